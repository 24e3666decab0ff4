import { parsePolicy } from '@portwarden/common/policy/parse';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { AddressFamily, AddressMode, MatchMode, StartTls } from '@portwarden/proto/agent/v1';
import { describe, expect, it } from 'vitest';
import { agentConfig } from './agent-config.js';

const policy = (checks: string) =>
  parsePolicy(
    `defaults: { alertGroup: g }\nalertGroups: { g: { channels: [{ log: {} }] } }\nchecks:\n${checks}`,
  );

const portOf = (resolved: ResolvedPolicy) => {
  const kind = agentConfig(resolved, {}).checks[0]!.kind!;
  if (kind.$case !== 'port') throw new Error('not a port check');
  return kind.value;
};

describe('agentConfig', () => {
  it('maps every probe option, decoding escapes in send steps and quit', () => {
    const check = portOf(
      policy(`  - name: mail
    host: mail.test
    service: smtp
    family: ipv6
    addresses: all
    starttls: smtp
    tlsVerify: false
    caFile: /etc/pw/ca.pem
    certExpiresWithin: 14d
    slowAfter: 2s
    crlf: true
    quit: 'QUIT\\x21'
    transcript: true
    steps:
      - { send: 'EHLO x\\tY' }
      - { expect: ['250 ', 'PIPELINING'], expectRegex: '^250', expectMode: any, ignoreCase: true }
`),
    );
    expect(check).toEqual({
      host: 'mail.test',
      port: 25,
      send: Buffer.alloc(0),
      expect: '',
      crlf: true,
      extraCrlf: false,
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      maxBytes: 4096,
      family: AddressFamily.ADDRESS_FAMILY_IPV6,
      addresses: AddressMode.ADDRESS_MODE_ALL,
      steps: [
        { step: { $case: 'send', value: Buffer.from('EHLO x\tY') } },
        {
          step: {
            $case: 'expect',
            value: {
              texts: ['250 ', 'PIPELINING'],
              regexes: ['^250'],
              mode: MatchMode.MATCH_MODE_ANY,
              ignoreCase: true,
            },
          },
        },
      ],
      quit: Buffer.from('QUIT!'),
      slowAfterMs: 2000,
      tls: false,
      starttls: StartTls.START_TLS_SMTP,
      sni: 'mail.test',
      tlsInsecure: true,
      caFile: '/etc/pw/ca.pem',
      certExpiresWithinMs: 14 * 86_400_000,
      expectClosed: false,
      transcript: true,
    });
  });

  it('reads a revision stored before steps existed as the shorthand it was', () => {
    const stored = policy('  - { name: smtp, port: 25, crlf: true }');
    const legacy = { ...stored.checks[0]!, send: 'HELO x', expect: '250' } as Record<string, unknown>;
    for (const key of ['steps', 'quit', 'family', 'addresses', 'starttls', 'tls', 'sni', 'tlsVerify'])
      delete legacy[key];
    const check = portOf({ ...stored, checks: [legacy as never] });
    expect(check).toMatchObject({
      steps: [
        { step: { $case: 'send', value: Buffer.from('HELO x') } },
        { step: { $case: 'expect', value: { texts: ['250'], regexes: [], mode: MatchMode.MATCH_MODE_ALL } } },
      ],
      family: AddressFamily.ADDRESS_FAMILY_UNSPECIFIED,
      addresses: AddressMode.ADDRESS_MODE_FIRST,
      starttls: StartTls.START_TLS_UNSPECIFIED,
      tlsInsecure: false,
      quit: Buffer.alloc(0),
    });
  });

  it('sends a check disabled here (a run-time override) disabled, and leaves the others as the policy says', () => {
    const resolved = policy(`  - { name: web, port: 80 }
  - { name: mail, port: 25 }
  - { name: ftp, port: 21, enabled: false }
`);
    const enabled = (disabledHere?: (id: string) => boolean) =>
      agentConfig(resolved, {}, disabledHere).checks.map((c) => [c.id, c.enabled]);
    expect(enabled()).toEqual([
      ['web', true],
      ['mail', true],
      ['ftp', false],
    ]);
    expect(enabled((id) => id === 'web' || id === 'ftp')).toEqual([
      ['web', false],
      ['mail', true],
      ['ftp', false],
    ]);
  });
});
