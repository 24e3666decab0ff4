import { CommanderError } from 'commander';
import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { parseFirewallStatusCommandLine } from '../../flags.js';
import { firewallStatus } from './status-command.js';
import { fakeSystem, fixture, LINUX, WIN } from './testing/fixtures.js';
import { NFT } from './linux/nftables.js';
import { POWERSHELL } from './windows/powershell.js';

const quiet = { writeErr: () => {}, writeOut: () => {} };

async function run(
  system: ReturnType<typeof fakeSystem>['system'],
  options: Parameters<typeof firewallStatus>[0],
) {
  let out = '';
  const code = await firewallStatus(options, { system, write: (text) => (out += text) });
  return { code, out };
}

describe('portwarden-agent firewall-status', () => {
  it('prints the state per profile, the provider and Group Policy, and exits 1 when a profile is off', async () => {
    const { system, fake } = fakeSystem('win32');
    const ps = (s: string) => [...POWERSHELL.args, s];
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        stdout: fixture('windows/gpo-override.activestore.json.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.service), {
        stdout: fixture('windows/get-service-mpssvc.running.json.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '1' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: fixture('windows/gpo-override.persistentstore.json.txt'),
      })
      .on(WIN.netsh, ['advfirewall', 'show', 'allprofiles', 'state'], {
        stdout: fixture('windows/netsh-allprofiles-state.en.all-on.txt'),
      });
    const { code, out } = await run(system, { json: false });
    expect(code).toBe(1);
    expect(out).toBe(
      [
        'firewall: off (gpo-override)',
        'detail:   domain is off by Group Policy (provider powershell); LocalPolicyModifyState=1; domain on in the local store',
        'provider: powershell (found on this host: powershell, netsh)',
        '',
        'PROFILE  STATE    GROUP POLICY  HOW',
        'domain   off      override      Enabled=0 in the active store',
        'private  on       -             Enabled=1 in the active store',
        'public   on       -             Enabled=1 in the active store',
        '',
        'service MpsSvc: running (Get-Service)',
        'group policy: LocalPolicyModifyState=1; domain on in the local store',
        '',
      ].join('\n'),
    );
  });

  it('prints the result as the agent reports it with --json, and exits 0 when on', async () => {
    const { system, fake } = fakeSystem('linux', { nft: LINUX.nft });
    fake.on(LINUX.nft, NFT.list, { stdout: fixture('linux/nft-j-list-ruleset.input-drop.json.txt') });
    const { code, out } = await run(system, { json: true, provider: 'nftables' });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: inet filter input: policy drop (provider nftables)',
      firewall: { provider: 'nftables', profiles: [{ profile: 'host', state: 'on' }] },
    });
  });

  it('reads its flags', () => {
    expect(parseFirewallStatusCommandLine([])).toEqual({ provider: 'auto', json: false });
    expect(
      parseFirewallStatusCommandLine([
        '--provider',
        'netsh',
        '--json',
        '--profile',
        'public',
        '--profile',
        'domain',
      ]),
    ).toEqual({
      provider: 'netsh',
      json: true,
      profiles: ['public', 'domain'],
    });
    expect(() => parseFirewallStatusCommandLine(['--provider', 'pf'])).toThrow(ConfigError);
    expect(() => parseFirewallStatusCommandLine(['--profile', 'work'])).toThrow(
      'unknown firewall profile "work"',
    );
    expect(() => parseFirewallStatusCommandLine(['--bogus'], quiet)).toThrow(CommanderError);
  });
});
