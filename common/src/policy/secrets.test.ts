import { describe, expect, it } from 'vitest';
import { PolicyError } from '../errors.js';
import { checkPolicy } from './parse.js';
import { isLiteralCredential, redactSource, replaceSecretReferences, secretReferences } from './secrets.js';

describe('isLiteralCredential', () => {
  it.each([
    [{ header: 'Authorization', value: 'Bearer abc123' }, true],
    [{ header: 'Authorization', value: 'Bearer ${secret:pd}' }, false],
    [{ header: 'authorization', value: '${secret:pd}' }, false],
    [{ header: 'Authorization', value: 'Bearer x${secret:pd}' }, true],
    [{ header: 'X-Api-Key', value: 'k-1' }, true],
    [{ header: 'X-Auth-Token', value: 'k-1' }, true],
    [{ header: 'X-Client-Secret', value: 'k-1' }, true],
    [{ header: 'X-Password', value: '${secret:p}' }, false],
    [{ header: 'Content-Type', value: 'application/json' }, false],
    [{ header: 'X-Team', value: 'ops' }, false],
    [{ url: true, value: 'https://hooks.example/x' }, false],
    [{ url: true, value: 'https://user:pw@hooks.example/x' }, true],
    [{ url: true, value: 'https://user@hooks.example/x' }, false],
    [{ url: true, value: 'https://user:${secret:pw}@hooks.example/x' }, false],
    [{ url: true, value: 'https://hooks.example/x?token=abc' }, true],
    [{ url: true, value: 'https://hooks.example/x?api_key=abc' }, true],
    [{ url: true, value: 'https://hooks.example/x?token=${secret:t}' }, false],
    [{ url: true, value: 'https://hooks.example/x?team=ops' }, false],
    // a field that is a credential as a whole (a password, a routing key, a token URL)
    [{ secret: true, value: 'hunter2' }, true],
    [{ secret: true, value: '${secret:smtp}' }, false],
    [{ secret: true, value: ' ${secret:a}${secret:b} ' }, false],
    [{ secret: true, value: 'https://hooks.example/services/${secret:t}' }, true],
    [{ value: 'Bearer abc' }, false],
  ])('%j -> %s', (field, expected) => {
    expect(isLiteralCredential(field)).toBe(expected);
  });
});

describe('secret references', () => {
  it('finds and replaces each ${secret:NAME}', () => {
    const text = 'Bearer ${secret:a} and ${secret:b.c}';
    expect(secretReferences(text)).toEqual(['a', 'b.c']);
    expect(replaceSecretReferences(text, (name) => name.toUpperCase())).toBe('Bearer A and B.C');
  });
});

const policy = (headers: string, url = 'http://127.0.0.1:9/hook') => `
alertGroups:
  ops:
    channels:
      - webhook:
          url: ${url}
          headers:
${headers}
checks: []
`;

describe('checkPolicy with secret names', () => {
  it('refuses an unknown secret name with its path and line', () => {
    const text = policy('            Authorization: "Bearer ${secret:missing}"');
    const error = (() => {
      try {
        checkPolicy(text, new Set(['pd']));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).issues).toEqual([
      {
        path: 'alertGroups.ops.channels[0].webhook.headers.Authorization',
        line: 8,
        message: expect.stringContaining('no secret is named "missing"'),
      },
    ]);
  });

  it('accepts a known name, and does not check names when none are given', () => {
    const text = policy('            Authorization: "Bearer ${secret:pd}"');
    expect(checkPolicy(text, new Set(['pd'])).warnings).toEqual([]);
    expect(checkPolicy(text).warnings).toEqual([]);
  });

  it('warns of a literal credential, and redacts it from the source', () => {
    const text = policy(
      '            Authorization: "Bearer hunter2-literal"',
      'http://u:pw-9@127.0.0.1:9/hook',
    );
    const { policy: resolved, warnings } = checkPolicy(text, new Set());
    expect(warnings.map((w) => [w.path, w.line])).toEqual([
      ['alertGroups.ops.channels[0].webhook.url', 6],
      ['alertGroups.ops.channels[0].webhook.headers.Authorization', 8],
    ]);
    const redacted = redactSource(text, resolved);
    expect(redacted).not.toContain('hunter2-literal');
    expect(redacted).not.toContain('pw-9');
    expect(redacted).toContain('Authorization: "[redacted]"');
  });
});

describe('credential fields of the pagerduty, alertmanager and signed webhook channels', () => {
  const text = `
alertGroups:
  ops:
    channels:
      - pagerduty: { routingKey: R0UT1NGKEY-literal, url: 'https://events.eu.pagerduty.com/v2/enqueue' }
      - pagerduty: { routingKey: '\${secret:pd}' }
      - alertmanager: { url: 'http://am:pw-am@127.0.0.1:9093' }
      - alertmanager: { url: 'http://127.0.0.1:9093' }
      - webhook: { url: 'http://127.0.0.1:9/hook', signingSecret: whsec-literal }
      - webhook: { url: 'http://127.0.0.1:9/hook', signingSecret: '\${secret:hook}' }
checks: []
`;

  it('warns of literal routing keys, signing secrets and URL passwords, and redacts them', () => {
    const { policy, warnings } = checkPolicy(text, new Set(['pd', 'hook']));
    expect(warnings.map((w) => [w.path, w.line])).toEqual([
      ['alertGroups.ops.channels[0].pagerduty.routingKey', 5],
      ['alertGroups.ops.channels[2].alertmanager.url', 7],
      ['alertGroups.ops.channels[4].webhook.signingSecret', 9],
    ]);
    const redacted = redactSource(text, policy);
    for (const literal of ['R0UT1NGKEY-literal', 'pw-am', 'whsec-literal']) {
      expect(redacted).not.toContain(literal);
    }
    expect(redacted).toContain('${secret:pd}');
    expect(redacted).toContain('events.eu.pagerduty.com');
  });

  it('refuses an unknown secret in a routing key with its path', () => {
    const error = (() => {
      try {
        checkPolicy(text, new Set(['hook']));
      } catch (err) {
        return err;
      }
    })();
    expect((error as PolicyError).issues).toEqual([
      expect.objectContaining({ path: 'alertGroups.ops.channels[1].pagerduty.routingKey', line: 6 }),
    ]);
  });
});

const chatPolicy = (kind: 'slack' | 'teams', url: string) => `
alertGroups:
  ops:
    channels:
      - ${kind}:
          url: '${url}'
checks: []
`;

describe('slack and teams URLs are credentials as a whole', () => {
  it.each([
    ['slack', 'https://hooks.slack.com/services/T0/B0/XXXX'],
    ['teams', 'https://prod.example.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=XXXX'],
  ] as const)('%s: a literal URL warns and is redacted', (kind, url) => {
    const text = chatPolicy(kind, url);
    const { policy: resolved, warnings } = checkPolicy(text, new Set());
    expect(warnings.map((w) => [w.path, w.line])).toEqual([[`alertGroups.ops.channels[0].${kind}.url`, 6]]);
    expect(redactSource(text, resolved)).not.toContain('XXXX');
  });

  it.each(['slack', 'teams'] as const)(
    '%s: ${secret:NAME} is accepted, checked and not a warning',
    (kind) => {
      const text = chatPolicy(kind, '${secret:hook}');
      expect(checkPolicy(text, new Set(['hook'])).warnings).toEqual([]);
      expect(() => checkPolicy(text, new Set())).toThrow(PolicyError);
    },
  );

  it.each(['slack', 'teams'] as const)(
    '%s: anything but an http(s) URL or a reference is an error',
    (kind) => {
      const error = (() => {
        try {
          checkPolicy(chatPolicy(kind, 'hooks.slack.com/services/x'));
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).issues[0]).toMatchObject({
        path: `alertGroups.ops.channels[0].${kind}.url`,
        message: 'expected an http:// or https:// URL, or ${secret:NAME}',
      });
    },
  );
});

describe('email channel credentials', () => {
  const email = (password: string) => `
alertGroups:
  ops:
    channels:
      - email:
          to: ops@example.com
          from: Portwarden <alerts@example.com>
          smtp:
            host: mail.example.com
            username: alerts
            password: "${password}"
checks: []
`;

  it('takes smtp.password as a secret: a reference is fine, a literal is warned of and redacted', () => {
    expect(checkPolicy(email('${secret:smtp}'), new Set(['smtp'])).warnings).toEqual([]);
    const text = email('hunter2-smtp');
    const { policy: resolved, warnings } = checkPolicy(text, new Set());
    expect(warnings.map((w) => [w.path, w.line])).toEqual([
      ['alertGroups.ops.channels[0].email.smtp.password', 11],
    ]);
    expect(redactSource(text, resolved)).not.toContain('hunter2-smtp');
  });

  it('leaves the other fields (the username, the addresses) as plain text', () => {
    const { policy: resolved } = checkPolicy(email('${secret:smtp}'));
    expect(redactSource(email('${secret:smtp}'), resolved)).toContain('username: alerts');
  });
});
