import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { DeliveryTimeoutError, RejectedStatusError, RetryableStatusError } from '../retry.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import type { Channel } from './channel.js';
import { alertmanagerChannel } from './alertmanager.js';
import { pagerdutyChannel } from './pagerduty.js';
import { createSlackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';

/**
 * The retry matrix, the same for every HTTP channel: each sends through `postJson`, so each must
 * be retried on 5xx until it succeeds, wait for Retry-After on 429, give up at once on 400, and
 * time out on a receiver that never answers. A channel joins with its config for a receiver URL.
 */
const HTTP_CHANNELS: [string, Channel, (url: string) => Record<string, unknown>, string][] = [
  ['webhook', webhookChannel, (url) => ({ url }), ''],
  // Slack's pacing (one message a second per URL) is its own test's; here every send goes at once.
  ['slack', createSlackChannel({ pacing: { intervalMs: 0, gatherMs: 0 } }), (url) => ({ url }), ''],
  ['teams', teamsChannel, (url) => ({ url }), ''],
  ['pagerduty', pagerdutyChannel, (url) => ({ url, routingKey: 'R0UTINGKEY0000000000000000000000' }), ''],
  // The base URL; the channel posts to its API path.
  ['alertmanager', alertmanagerChannel, (url) => ({ url }), '/api/v2/alerts'],
];

const event: IncidentEvent = {
  outboxId: 7,
  event: 'opened',
  incidentId: 11,
  check: { id: 'web', name: 'Web', host: 'www.example', port: 443 },
  agent: { name: 'web-1', hostname: 'web-1', labels: {} },
  alertGroup: { id: 'ops', name: 'Ops' },
  policyRevision: 1,
  reason: 'refused',
  detail: 'connection refused',
  consecutiveFailures: 3,
  startsAt: '2026-12-07T10:00:00.000Z',
};
const context = { logger: silentLogger(), externalUrl: 'http://ui.example' };

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

describe.each(HTTP_CHANNELS)('the %s channel under the retry matrix', (kind, channel, configFor, suffix) => {
  const send = (path: string, attempt: number, extra: Record<string, unknown> = {}) =>
    channel.send(
      { event, channelKey: `ops#0:${kind}`, attempt },
      channel.parseConfig({ ...configFor(`${receiver.url}/${kind}${path}`), ...extra }),
      context,
    );
  const at = (path: string) => `/${kind}${path}${suffix}`;
  const failure = (promise: Promise<void>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('is retried on 500, three times, and sent on the fourth attempt', async () => {
    receiver.script(at('/flaky'), [{ status: 500 }, { status: 500 }, { status: 500 }]);
    for (const attempt of [1, 2, 3]) {
      const error = await failure(send('/flaky', attempt));
      expect(error).toBeInstanceOf(RetryableStatusError);
      expect((error as RetryableStatusError).retryable).toBe(true);
    }
    await send('/flaky', 4);
    expect(receiver.on(at('/flaky'))).toHaveLength(4);
  });

  it('waits as long as Retry-After says on 429', async () => {
    receiver.script(at('/busy'), [{ status: 429, headers: { 'retry-after': '30' } }]);
    const error = await failure(send('/busy', 1));
    expect(error).toBeInstanceOf(RetryableStatusError);
    expect((error as RetryableStatusError).retryAfterMs).toBe(30_000);
  });

  it('gives up at once on 400', async () => {
    receiver.script(at('/bad'), [{ status: 400, body: 'invalid payload' }]);
    const error = await failure(send('/bad', 1));
    expect(error).toBeInstanceOf(RejectedStatusError);
    expect((error as RejectedStatusError).retryable).toBe(false);
    expect((error as RejectedStatusError).bodyStart).toBe('invalid payload');
  });

  it('times out on a receiver that never answers, and is retried', async () => {
    receiver.hang(at('/hang'));
    const error = await failure(send('/hang', 1, { timeout: '200ms' }));
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect((error as DeliveryTimeoutError).retryable).toBe(true);
  });
});
