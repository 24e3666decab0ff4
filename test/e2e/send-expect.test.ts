import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService, smtpLike } from '../support/tcp-server.js';

interface CheckStatus {
  checkId: string;
  status: string;
  reason: string;
  detail: string;
}

/** The Ports tab's "send this text" with and without "append CR/LF", through the whole path. */
describe('send and expect', () => {
  const fleet = new Fleet({ redis: false });
  const smtp = new FlakyService(smtpLike);

  beforeAll(async () => {
    await Promise.all([fleet.start(), smtp.start()]);
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
defaults: { interval: 1s, timeout: 1s, alertGroup: ops }
checks:
  - { name: with crlf, port: ${smtp.port}, send: HELO x, crlf: true, expect: '250' }
  - { name: without crlf, port: ${smtp.port}, send: HELO x, expect: '250' }
`);
    await fleet.addAgent('mail-1', { role: 'mail' });
  });

  afterAll(async () => {
    await fleet.stop();
    await smtp.stop();
  });

  it('passes with CR/LF and fails without it, showing the bytes that did arrive', async () => {
    const checks = await until('both checks to have a result', async () => {
      const { checks } = await fleet.api<{ checks: CheckStatus[] }>('/api/v1/checks');
      return checks.length === 2 && checks.every((c) => c.status !== 'pending') && checks;
    });
    const byId = Object.fromEntries(checks.map((c) => [c.checkId, c]));
    expect(byId['with-crlf']).toMatchObject({ status: 'up', reason: '' });
    expect(byId['without-crlf']).toMatchObject({ status: 'down', reason: 'expect-mismatch' });
    expect(byId['without-crlf']!.detail).toContain('220 ready\\r\\n');
  });
});
