import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import {
  ChannelConfigError,
  DeliveryTimeoutError,
  RejectedStatusError,
  RetryableStatusError,
} from '../retry.js';
import { expectBlockKit, firingEvent, resolvedEvent } from '../testing/chat-shapes.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import type { SlackMessage } from './slack-message.js';
import { createSlackChannel, slackChannel } from './slack.js';

const context = { logger: silentLogger(), externalUrl: 'http://ui.example/' };
const notification = (event: IncidentEvent) => ({ event, channelKey: 'mail#0:slack', attempt: 1 });
// A short real interval: the pacing itself is tested with an injected clock in slack-pacing.test.ts.
const INTERVAL_MS = 200;
const fast = () => createSlackChannel({ pacing: { intervalMs: INTERVAL_MS, gatherMs: 20 } });

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const bodies = (path: string) => receiver.on(path).map((r) => JSON.parse(r.body) as SlackMessage);

describe('slack channel', () => {
  it('delivers a firing and a resolved notification as Block Kit JSON', async () => {
    const channel = fast();
    const config = channel.parseConfig({ url: `${receiver.url}/services/T0/B0/firing` });
    await channel.send(notification(firingEvent), config, context);
    await channel.send(notification(resolvedEvent), config, context);
    const requests = receiver.on('/services/T0/B0/firing');
    expect(requests.map((r) => [r.method, r.headers['content-type']])).toEqual([
      ['POST', 'application/json'],
      ['POST', 'application/json'],
    ]);
    const [firing, resolved] = bodies('/services/T0/B0/firing');
    expectBlockKit(firing!);
    expectBlockKit(resolved!);
    expect(firing!.text).toBe('FIRING: Mail on mx-1 failed: expect-mismatch');
    expect(firing!.blocks[0]).toMatchObject({ type: 'header', text: { text: 'FIRING: Mail on mx-1' } });
    expect(JSON.stringify(firing)).toContain('"url":"http://ui.example/incidents/5"');
    expect(JSON.stringify(firing)).toContain('*Target*\\nmail.example:25');
    expect(resolved!.blocks[0]).toMatchObject({ type: 'header', text: { text: 'RESOLVED: Mail on mx-1' } });
  });

  it('groups notifications that come within the interval into one message, and paces the next', async () => {
    const channel = fast();
    const config = channel.parseConfig({ url: `${receiver.url}/services/T0/B0/burst` });
    const started = performance.now();
    const events = [1, 2, 3, 4].map((n) => ({
      ...firingEvent,
      incidentId: n,
      check: { ...firingEvent.check, name: `check ${n}` },
    }));
    await Promise.all(events.map((event) => channel.send(notification(event), config, context)));
    expect(bodies('/services/T0/B0/burst')).toHaveLength(1);
    const [grouped] = bodies('/services/T0/B0/burst');
    expectBlockKit(grouped!);
    expect(grouped!.text).toBe('4 notifications: 4 firing');
    expect(grouped!.blocks.map((b) => (b.type === 'section' ? b.text?.text.split('\n')[0] : b.type))).toEqual(
      [
        'header',
        '*FIRING* <http://ui.example/incidents/1|check 1 on mx-1>',
        '*FIRING* <http://ui.example/incidents/2|check 2 on mx-1>',
        '*FIRING* <http://ui.example/incidents/3|check 3 on mx-1>',
        '*FIRING* <http://ui.example/incidents/4|check 4 on mx-1>',
      ],
    );

    await channel.send(notification(resolvedEvent), config, context);
    // Gathered for 20 ms, posted, then no second message before an interval has passed.
    expect(performance.now() - started).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(bodies('/services/T0/B0/burst')).toHaveLength(2);
    expect(bodies('/services/T0/B0/burst')[1]!.text).toBe('RESOLVED: Mail on mx-1 failed: expect-mismatch');
  });

  it('sends hostile probe text escaped, so it can neither mention nor link', async () => {
    const channel = fast();
    const config = channel.parseConfig({ url: `${receiver.url}/services/T0/B0/hostile` });
    const event = { ...firingEvent, detail: '<!channel> <https://evil.example|reset password> & co' };
    await channel.send(notification(event), config, context);
    const [message] = bodies('/services/T0/B0/hostile');
    expectBlockKit(message!);
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example|reset password&gt; &amp; co');
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('treats %i %s as final, naming the origin only', async (status, body) => {
    const path = `/services/T0/B0/secret-token-${status}`;
    receiver.script(path, [{ status, body }]);
    const channel = fast();
    const error = await channel
      .send(notification(firingEvent), channel.parseConfig({ url: `${receiver.url}${path}` }), context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedStatusError);
    expect(error).toMatchObject({ status, bodyStart: body, retryable: false });
    expect((error as Error).message).not.toContain('secret-token');
  });

  it('fails every notification of a group with the one answer, 429 with its Retry-After', async () => {
    const path = '/services/T0/B0/busy';
    receiver.script(path, [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } }]);
    const channel = fast();
    const config = channel.parseConfig({ url: `${receiver.url}${path}` });
    const outcomes = await Promise.allSettled([
      channel.send(notification(firingEvent), config, context),
      channel.send(notification(resolvedEvent), config, context),
    ]);
    expect(receiver.on(path)).toHaveLength(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as RetryableStatusError;
      expect(reason).toBeInstanceOf(RetryableStatusError);
      expect(reason.retryAfterMs).toBe(3000);
    }
  });

  it('gives up on a silent webhook after the configured timeout', async () => {
    receiver.hang('/services/T0/B0/hang');
    const channel = fast();
    const config = channel.parseConfig({ url: `${receiver.url}/services/T0/B0/hang`, timeout: '150ms' });
    const error = await channel.send(notification(firingEvent), config, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect((error as DeliveryTimeoutError).timeoutMs).toBe(150);
  });

  it.each([
    [{}, /url/],
    [{ url: 'ftp://hooks.example/x' }, /url expected an http/],
    [{ url: 'not a url with s3cret' }, /url expected an http/],
    [{ url: 'https://hooks.example/x', channel: '#ops' }, /channel/],
    [{ url: 'https://hooks.example/x', timeout: 'soon' }, /timeout/],
    [{ url: '${secret:hook}' }, /unresolved secret/],
  ])('rejects the config %j', (raw, message) => {
    const parse = () => slackChannel.parseConfig(raw);
    expect(parse).toThrow(ChannelConfigError);
    expect(parse).toThrow(message);
    expect(parse).not.toThrow(/s3cret/);
  });

  it('fills in the default timeout', () => {
    expect(slackChannel.parseConfig({ url: 'https://hooks.example/x' })).toEqual({
      url: 'https://hooks.example/x',
      timeoutMs: 10_000,
    });
  });
});
