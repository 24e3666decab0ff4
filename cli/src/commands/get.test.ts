import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client.js';
import { get } from './get.js';

const delivery = {
  id: 7,
  incidentId: 12,
  outboxId: 30,
  event: 'opened',
  notice: null,
  alertGroup: 'critical',
  channelKey: 'critical#0:webhook',
  channelKind: 'webhook',
  status: 'failed',
  attempts: 8,
  error: 'POST https://hooks.example answered 503 (gave up after 8 attempts)',
  eventAt: '2026-12-07T10:00:00.000Z',
  createdAt: '2026-12-07T10:00:01.000Z',
  updatedAt: '2026-12-07T10:04:00.000Z',
};

describe('portwarden get notifications', () => {
  it('lists one incident’s failed deliveries with channel, attempts and the last error', async () => {
    const { client, requests } = fakeClient({ notifications: [delivery] });
    const out: string[] = [];
    await get(client, 'notifications', 'table', (t) => out.push(t), { incident: '12', status: 'failed' });
    expect(requests).toEqual([{ method: 'GET', path: '/api/v1/notifications?incident=12&status=failed' }]);
    const [header, row] = out.join('').trimEnd().split('\n');
    expect(header).toMatch(/^INCIDENT\s+EVENT\s+CHANNEL\s+STATUS\s+ATTEMPTS\s+ERROR\s+UPDATED$/);
    expect(row).toMatch(
      /^12\s+opened\s+critical#0:webhook\s+failed\s+8\s+POST https:\/\/hooks\.example answered 503/,
    );
  });

  it('shows a notice with its event, and pending deliveries', async () => {
    const pending = { ...delivery, id: null, notice: 'repeat', status: 'pending', attempts: 0, error: null };
    const { client, requests } = fakeClient({ notifications: [pending] });
    const out: string[] = [];
    await get(client, 'notifications', 'table', (t) => out.push(t));
    expect(requests).toEqual([{ method: 'GET', path: '/api/v1/notifications' }]);
    expect(out.join('')).toMatch(/12\s+opened \(repeat\)\s+critical#0:webhook\s+pending\s+0/);
  });

  it('prints the rows as JSON with -o json', async () => {
    const { client } = fakeClient({ notifications: [delivery] });
    const out: string[] = [];
    await get(client, 'notifications', 'json', (t) => out.push(t));
    expect(JSON.parse(out.join(''))).toEqual([delivery]);
  });

  it.each([
    // why: --incident filters notifications; elsewhere it would be silently ignored.
    ['incidents', { incident: '12' }, /--incident applies to `get notifications` only/],
    ['checks', { status: 'failed' }, /--status applies to `get notifications` only/],
    ['notifications', { agent: 'web-1' }, /--agent applies to `get gaps` only/],
  ])('refuses a filter for another resource (get %s %j)', async (resource, filter, message) => {
    const { client, requests } = fakeClient({});
    await expect(get(client, resource, 'table', () => {}, filter)).rejects.toThrow(message);
    expect(requests).toEqual([]);
  });
});

describe('portwarden get checks', () => {
  const row = {
    agent: 'web-1',
    checkId: 'web',
    name: 'Web Server',
    target: '127.0.0.1:80',
    enabled: true,
    status: 'up',
    consecutiveFailures: 0,
    failuresBeforeAlert: 3,
    since: '2026-12-07T10:00:00.000Z',
    reason: '',
    detail: 'connected',
    disabled: null,
  };

  it.each([
    // why: a run-time override shows who disabled the check, when, and why
    [
      {
        status: 'disabled',
        disabled: { agent: 'web-1', by: 'alice', at: '2026-12-07T14:00:00.000Z', comment: 'new disk' },
      },
      /disabled\s.*alice at 2026-12-07T14:00:00\.000Z: new disk$/,
    ],
    // why: `enabled: false` in the policy is no one's override
    [{ status: 'disabled', enabled: false }, /disabled\s.*policy$/],
    // why: a running check has nothing in the column
    [{}, /up\s+0\/3\s.*connected$/],
  ])('%j', async (changes, expected) => {
    const { client } = fakeClient({ checks: [{ ...row, ...changes }] });
    const out: string[] = [];
    await get(client, 'checks', 'table', (t) => out.push(t));
    const [header, line] = out.join('').trimEnd().split('\n');
    expect(header).toMatch(/STATUS\s.*DETAIL\s+DISABLED BY$/);
    expect(line).toMatch(expected);
  });
});
