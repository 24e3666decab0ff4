import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { isPortCheck, type ResolvedPortCheck } from '@portwarden/common/policy/resolved';
import { EXAMPLE_POLICY_FILE } from './settings.js';

describe('the example policy (deploy/quickstart/policy.yaml)', () => {
  it('is the classic Ports tab on this machine, every 2 minutes, alerting Critical Errors on the first failure', async () => {
    const policy = parsePolicy(await readFile(EXAMPLE_POLICY_FILE, 'utf8'));
    const checks = policy.checks.filter(isPortCheck);
    expect(checks).toHaveLength(policy.checks.length);
    const expected = (c: ResolvedPortCheck) =>
      c.steps.flatMap((s) => ('expect' in s ? s.expect.texts : []))[0] ?? null;
    expect(checks.map((c) => [c.name, c.port, expected(c)])).toEqual([
      ['Web (HTTP)', 80, null],
      ['Secure Web (HTTPS)', 443, null],
      ['FTP', 21, '220'],
      ['E-mail Send (SMTP)', 25, '250'],
      ['E-mail Receive (POP3)', 110, '+OK'],
      ['E-mail Receive (IMAP)', 143, '* OK'],
    ]);
    for (const check of policy.checks) {
      expect(check).toMatchObject({
        host: '127.0.0.1',
        intervalMs: 120_000,
        failuresBeforeAlert: 1,
        alertGroup: 'critical-errors',
        enabled: true,
        agents: {},
      });
    }
    expect(checks[3]).toMatchObject({ crlf: true, extraCrlf: false });
    expect(checks[3]!.steps[0]).toEqual({ send: 'HELO portwarden' });
    expect(policy.alertGroups).toEqual({
      'critical-errors': {
        id: 'critical-errors',
        name: 'Critical Errors',
        channels: [{ log: {} }],
        // Alertmanager's defaults: a repeat every 4 hours, no escalation.
        repeatIntervalMs: 4 * 60 * 60 * 1000,
        escalate: [],
      },
    });
  });
});
