import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { parsePolicy } from './parse.js';
import { isPortCheck, type ResolvedPortCheck } from './resolved.js';

/** A valid policy around one check written as a YAML flow mapping, which sits on line 4. */
const policy = (check: string) =>
  `defaults: { alertGroup: g }\nalertGroups: { g: { channels: [{ log: {} }] } }\nchecks:\n  - { name: a, ${check} }\n`;

const resolve = (check: string): ResolvedPortCheck => {
  const resolved = parsePolicy(policy(check)).checks[0]!;
  if (!isPortCheck(resolved)) throw new Error('expected a port check');
  return resolved;
};

function issues(check: string): Omit<PolicyIssue, 'line'>[] {
  try {
    parsePolicy(policy(check));
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    expect(err.issues.every((i) => i.line === 4)).toBe(true);
    return err.issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('policy was accepted');
}

describe('port check options', () => {
  it('fills every default of the new keys', () => {
    expect(resolve('port: 25')).toMatchObject({
      family: 'auto',
      addresses: 'first',
      steps: [],
      quit: '',
      maxBytes: 4096,
      slowAfterMs: 0,
      tls: false,
      starttls: 'none',
      sni: '',
      tlsVerify: true,
      caFile: '',
      certExpiresWithinMs: 0,
      expectClosed: false,
      transcript: false,
    });
  });

  it('turns the send/expect shorthand into steps, lists and modes included', () => {
    const check = resolve(
      `port: 25, send: 'HELO x', expect: ['220', 'ESMTP'], expectRegex: '^250 ', expectMode: any, ignoreCase: true`,
    );
    expect(check.steps).toEqual([
      { send: 'HELO x' },
      { expect: { texts: ['220', 'ESMTP'], regexes: ['^250 '], mode: 'any', ignoreCase: true } },
    ]);
  });

  it('resolves steps, a step overriding the check-level mode and case', () => {
    const check = resolve(
      `port: 25, ignoreCase: true, crlf: true, quit: QUIT, steps: [{ expect: '220' }, { send: 'EHLO x' }, { expect: ['250 ', 'STARTTLS'], expectMode: any, ignoreCase: false }]`,
    );
    expect(check.steps).toEqual([
      { expect: { texts: ['220'], regexes: [], mode: 'all', ignoreCase: true } },
      { send: 'EHLO x' },
      { expect: { texts: ['250 ', 'STARTTLS'], regexes: [], mode: 'any', ignoreCase: false } },
    ]);
    expect(check.quit).toBe('QUIT');
  });

  it('defaults SNI to the host when it is a name, never to an address', () => {
    expect(resolve('host: mail.example, port: 465, tls: true').sni).toBe('mail.example');
    expect(resolve('host: 127.0.0.1, port: 465, tls: true').sni).toBe('');
    expect(resolve("host: '[::1]', port: 465, tls: true, sni: mail.example").sni).toBe('mail.example');
    expect(resolve('host: mail.example, port: 25, starttls: smtp').sni).toBe('mail.example');
  });

  it('reads the durations of the new keys', () => {
    const check = resolve('port: 443, tls: true, certExpiresWithin: 14d, slowAfter: 2s, timeout: 5s');
    expect(check).toMatchObject({ certExpiresWithinMs: 14 * 86_400_000, slowAfterMs: 2000, timeoutMs: 5000 });
  });

  it('accepts a negative check on its own', () => {
    expect(resolve('port: 3389, expectClosed: true, connectTimeout: 2s')).toMatchObject({
      expectClosed: true,
      steps: [],
    });
  });

  // Each case: the check's keys, then exactly the errors the user sees (all on the check's line).
  const invalid: [string, string, Omit<PolicyIssue, 'line'>[]][] = [
    // the schema's own messages for each new key
    [
      'unknown family',
      'port: 1, family: ipv5',
      [{ path: 'checks[0].family', message: 'expected auto, ipv4 or ipv6' }],
    ],
    [
      'unknown address mode',
      'port: 1, addresses: some',
      [{ path: 'checks[0].addresses', message: 'expected first, all or any' }],
    ],
    [
      'unknown STARTTLS protocol',
      'port: 1, starttls: xmpp',
      [{ path: 'checks[0].starttls', message: 'expected smtp, imap, pop3 or ftp' }],
    ],
    [
      'unknown expect mode',
      'port: 1, expect: a, expectMode: most',
      [{ path: 'checks[0].expectMode', message: 'expected all or any' }],
    ],
    [
      'an empty expect list',
      'port: 1, expect: []',
      [{ path: 'checks[0].expect', message: 'must not be empty' }],
    ],
    [
      'an empty text in a list',
      "port: 1, expect: ['a', '']",
      [{ path: 'checks[0].expect[1]', message: 'must not be empty' }],
    ],
    [
      'a number as expect',
      'port: 1, expect: 250',
      [{ path: 'checks[0].expect', message: 'expected a text or a list of at most 16 texts' }],
    ],
    [
      'maxBytes out of range',
      'port: 1, maxBytes: 0',
      [{ path: 'checks[0].maxBytes', message: 'maxBytes is 1-1048576' }],
    ],
    [
      'a bad slowAfter',
      'port: 1, slowAfter: fast',
      [{ path: 'checks[0].slowAfter', message: 'expected a duration such as 500ms, 10s, 2m, 1h' }],
    ],
    [
      'a bad certExpiresWithin',
      'port: 1, tls: true, certExpiresWithin: 2 weeks',
      [{ path: 'checks[0].certExpiresWithin', message: 'expected a duration such as 500ms, 10s, 2m, 1h' }],
    ],
    [
      'an empty steps list',
      'port: 1, steps: []',
      [{ path: 'checks[0].steps', message: 'must not be empty' }],
    ],
    [
      'an unknown key in a step',
      'port: 1, steps: [{ sned: x }]',
      [{ path: 'checks[0].steps[0].sned', message: 'unknown key "sned"' }],
    ],
    // what resolve checks across keys
    [
      'an invalid regex',
      "port: 1, expectRegex: 'a('",
      [{ path: 'checks[0].expectRegex', message: 'invalid regular expression: Unterminated group' }],
    ],
    [
      'an invalid regex in a list',
      "port: 1, expectRegex: ['a', '[z-a]']",
      [
        {
          path: 'checks[0].expectRegex[1]',
          message: 'invalid regular expression: Range out of order in character class',
        },
      ],
    ],
    [
      'a bad escape in quit',
      "port: 1, quit: 'QUIT\\q'",
      [
        {
          path: 'checks[0].quit',
          message: 'unknown escape "\\q" at character 5; use \\r \\n \\t \\\\ or \\xHH',
        },
      ],
    ],
    [
      'steps and send together',
      'port: 1, send: x, steps: [{ expect: y }]',
      [{ path: 'checks[0].steps', message: 'use steps or send/expect/expectRegex, not both' }],
    ],
    [
      'a step that sends and expects',
      'port: 1, steps: [{ send: x, expect: y }]',
      [{ path: 'checks[0].steps[0]', message: 'a step either sends or expects, not both' }],
    ],
    [
      'an empty step',
      'port: 1, steps: [{}]',
      [{ path: 'checks[0].steps[0]', message: 'a step needs send, expect or expectRegex' }],
    ],
    [
      'a mode on a send step',
      'port: 1, steps: [{ send: x, ignoreCase: true }]',
      [{ path: 'checks[0].steps[0].ignoreCase', message: 'only goes with expect or expectRegex' }],
    ],
    [
      'a bad escape in a step',
      "port: 1, steps: [{ send: 'a\\z' }]",
      [
        {
          path: 'checks[0].steps[0].send',
          message: 'unknown escape "\\z" at character 2; use \\r \\n \\t \\\\ or \\xHH',
        },
      ],
    ],
    [
      'an invalid regex in a step',
      "port: 1, steps: [{ expectRegex: '(' }]",
      [{ path: 'checks[0].steps[0].expectRegex', message: 'invalid regular expression: Unterminated group' }],
    ],
    [
      'tls and starttls',
      'port: 1, tls: true, starttls: smtp',
      [{ path: 'checks[0].starttls', message: 'use tls or starttls, not both' }],
    ],
    [
      'TLS options without TLS',
      'port: 1, sni: a.example, tlsVerify: false, caFile: /ca.pem, certExpiresWithin: 14d',
      [
        { path: 'checks[0].sni', message: 'needs tls: true or starttls' },
        { path: 'checks[0].tlsVerify', message: 'needs tls: true or starttls' },
        { path: 'checks[0].caFile', message: 'needs tls: true or starttls' },
        { path: 'checks[0].certExpiresWithin', message: 'needs tls: true or starttls' },
      ],
    ],
    [
      'an address as SNI',
      'port: 1, tls: true, sni: 10.0.0.1',
      [{ path: 'checks[0].sni', message: 'must be a host name, not an IP address (RFC 6066)' }],
    ],
    [
      'a negative check with a conversation',
      'port: 1, expectClosed: true, send: x, tls: true',
      [{ path: 'checks[0].expectClosed', message: 'a port that must stay closed takes no send, tls' }],
    ],
    [
      'a family that contradicts the address',
      "port: 1, host: '::1', family: ipv4",
      [{ path: 'checks[0].family', message: 'ipv4 does not fit the address ::1' }],
    ],
    [
      'slowAfter not below the timeout',
      'port: 1, timeout: 2s, slowAfter: 2s',
      [{ path: 'checks[0].slowAfter', message: 'must be shorter than the timeout (2000 ms)' }],
    ],
  ];

  it.each(invalid)('rejects %s', (_why, check, expected) => {
    expect(issues(check)).toEqual(expected);
  });
});
