import { describe, expect, it } from 'vitest';
import { fixture } from '../testing/fixtures.js';
import { decodeCodePage, decodeConsole } from './codepage.js';
import {
  parseLocalPolicyModifyState,
  parseNetshState,
  parseProfilesJson,
  parseRegEnableFirewall,
  parseScQuery,
  parseServiceJson,
  ParseError,
} from './parse.js';

const text = (name: string) => fixture(`windows/${name}`);

describe('console code pages', () => {
  it('decodes what netsh writes on a German console (CP850) to the same text as the UTF-8 capture', () => {
    const decoded = decodeConsole(text('netsh-allprofiles-state.de.private-off.cp850.txt'), 850);
    expect(decoded).toBe(text('netsh-allprofiles-state.de.private-off.utf8.txt').toString('utf8'));
    expect(decoded).toContain('Domänenprofil');
  });

  it('decodes what netsh writes on a Chinese console (CP936)', () => {
    const decoded = decodeConsole(text('netsh-allprofiles-state.zh.public-off.cp936.txt'), 936);
    expect(decoded).toBe(text('netsh-allprofiles-state.zh.public-off.utf8.txt').toString('utf8'));
  });

  it('reads UTF-8 as UTF-8 whatever the code page, and ASCII the same everywhere', () => {
    expect(decodeConsole(Buffer.from('启用'), 850)).toBe('启用');
    expect(decodeConsole(Buffer.from('State ON'), 936)).toBe('State ON');
  });

  it.each([
    [437, [0x9b], '¢'],
    [850, [0x9b], 'ø'],
    [858, [0xd5], '€'],
    [866, [0x82], 'В'],
  ])('decodes code page %i', (codePage, bytes, expected) => {
    expect(decodeCodePage(Uint8Array.from(bytes), codePage)).toBe(expected);
  });
});

describe('Windows parsers', () => {
  it('reads the profile JSON as an array and as an object', () => {
    expect(
      parseProfilesJson(text('get-netfirewallprofile.activestore.json.public-off.json.txt').toString()),
    ).toEqual([
      { profile: 'domain', enabled: 1 },
      { profile: 'private', enabled: 1 },
      { profile: 'public', enabled: 0 },
    ]);
    expect(
      parseProfilesJson(text('get-netfirewallprofile.activestore.json.single-object.json.txt').toString()),
    ).toEqual([{ profile: 'public', enabled: 1 }]);
  });

  it.each([
    ['the table view', text('get-netfirewallprofile.text.domain-off.txt').toString(), 'not JSON'],
    ['an unknown profile', '{"Name":"Work","Enabled":1}', 'unexpected profile'],
    ['an enum out of range', '{"Name":"Domain","Enabled":7}', 'unexpected profile'],
  ])('refuses %s', (_what, input, message) => {
    expect(() => parseProfilesJson(input)).toThrow(ParseError);
    expect(() => parseProfilesJson(input)).toThrow(message);
  });

  it('reads the MpsSvc state from Get-Service and sc', () => {
    expect(parseServiceJson(text('get-service-mpssvc.running.json.txt').toString())).toBe('running');
    expect(parseServiceJson(text('get-service-mpssvc.stopped.json.txt').toString())).toBe('stopped');
    expect(parseServiceJson('{"Name":"MpsSvc","Status":2}')).toBe('unknown'); // start pending
    expect(parseScQuery(text('sc-query-mpssvc.running.txt').toString())).toBe('running');
    expect(parseScQuery(text('sc-query-mpssvc.stopped.de.txt').toString())).toBe('stopped');
    expect(() => parseScQuery('[SC] OpenService FAILED 1060')).toThrow('no STATE line');
  });

  it('reads LocalPolicyModifyState', () => {
    expect(
      parseLocalPolicyModifyState(text('gpo-override.fwpolicy2.localpolicymodifystate.txt').toString()),
    ).toBe(1);
    expect(() => parseLocalPolicyModifyState('Exception calling')).toThrow(ParseError);
  });

  it('refuses netsh output without three profile sections', () => {
    expect(() => parseNetshState('The Windows Firewall service is not running.\r\n')).toThrow(
      'expected 3 profile sections, found 0',
    );
  });

  it('reads EnableFirewall per profile from reg query, StandardProfile being private', () => {
    expect(parseRegEnableFirewall(text('reg-query-enablefirewall.all-on.txt').toString())).toEqual(
      new Map([
        ['domain', 1],
        ['public', 1],
        ['private', 1],
      ]),
    );
  });
});
