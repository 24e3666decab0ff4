import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { LIVENESS_CHECK_ID } from '../../state/event.js';
import { alertAnnotations, alertLabels } from '../alertmanager.js';
import { ChannelConfigError, RejectedStatusError, RetryableStatusError } from '../retry.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import {
  buildPagerdutyEvent,
  DEDUP_KEY_MAX_CHARS,
  DEFAULT_PAGERDUTY_URL,
  pagerdutyAction,
  pagerdutyChannel,
  pagerdutySeverity,
  SUMMARY_MAX_CHARS,
} from './pagerduty.js';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000042';

const opened: IncidentEvent = {
  outboxId: 7,
  event: 'opened',
  incidentId: 12,
  check: { id: 'https', name: 'Shop', host: 'shop.example', port: 443 },
  agent: { name: 'edge-1', hostname: 'edge-1.lan', labels: { severity: 'critical', team: 'web' } },
  alertGroup: { id: 'critical', name: 'Critical' },
  policyRevision: 3,
  reason: 'connect-refused',
  detail: 'ECONNREFUSED',
  consecutiveFailures: 3,
  startsAt: '2026-11-21T10:00:00.000Z',
};
const resolved: IncidentEvent = {
  ...opened,
  outboxId: 8,
  event: 'resolved',
  endsAt: '2026-11-21T10:05:00.000Z',
};
const context = { logger: silentLogger(), externalUrl: 'http://ui.example/' };

describe('buildPagerdutyEvent', () => {
  it('triggers an opened incident with the fields PagerDuty shows', () => {
    expect(buildPagerdutyEvent(opened, ROUTING_KEY, 'http://ui.example/')).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'portwarden-incident-12',
      payload: {
        summary: 'Shop on edge-1 failed: connect-refused',
        source: 'shop.example',
        severity: 'critical',
        timestamp: '2026-11-21T10:00:00.000Z',
        component: 'Shop',
        group: 'edge-1',
        class: 'connect-refused',
        custom_details: {
          status: 'firing',
          incident_id: 12,
          alert_group: 'critical',
          check_id: 'https',
          port: 443,
          reason: 'connect-refused',
          detail: 'ECONNREFUSED',
          consecutive_failures: 3,
          starts_at: '2026-11-21T10:00:00.000Z',
          labels: alertLabels(opened),
          annotations: alertAnnotations(opened),
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
      },
      links: [{ href: 'http://ui.example/incidents/12', text: 'Portwarden incident 12' }],
      client: 'Portwarden',
      client_url: 'http://ui.example',
    });
  });

  it('resolves with the same dedup key, timestamped when it resolved', () => {
    const trigger = buildPagerdutyEvent(opened, ROUTING_KEY, 'http://ui.example');
    const resolve = buildPagerdutyEvent(resolved, ROUTING_KEY, 'http://ui.example');
    expect(resolve.event_action).toBe('resolve');
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
    expect(resolve.payload.timestamp).toBe('2026-11-21T10:05:00.000Z');
    expect(resolve.payload.custom_details).toMatchObject({ status: 'resolved', ends_at: resolved.endsAt });
  });

  it('keeps the dedup key when the agent was relabelled during the incident', () => {
    const relabelled = { ...resolved, agent: { ...resolved.agent, labels: { team: 'shop' } } };
    expect(buildPagerdutyEvent(relabelled, ROUTING_KEY, 'http://ui.example').dedup_key).toBe(
      'portwarden-incident-12',
    );
    expect(
      buildPagerdutyEvent({ ...opened, incidentId: 2 ** 53 - 1 }, ROUTING_KEY, '').dedup_key.length,
    ).toBeLessThanOrEqual(DEDUP_KEY_MAX_CHARS);
  });

  it('takes an explicit action: the hook for acknowledge', () => {
    const ack = buildPagerdutyEvent(opened, ROUTING_KEY, 'http://ui.example', 'acknowledge');
    expect(ack.event_action).toBe('acknowledge');
    expect(ack.dedup_key).toBe('portwarden-incident-12');
  });

  it.each([
    // why: an opening triggers; PagerDuty dedups a repeat or an escalation on the same key.
    [{ event: 'opened' }, 'trigger'],
    [{ event: 'opened', notice: { kind: 'repeat', text: 'still failing' } }, 'trigger'],
    [{ event: 'opened', notice: { kind: 'escalated', text: 'escalated' } }, 'trigger'],
    // why: `portwarden ack` is forwarded, so that PagerDuty stops its own escalation too.
    [{ event: 'opened', notice: { kind: 'acknowledged', text: 'ack', by: 'alice' } }, 'acknowledge'],
    [{ event: 'resolved' }, 'resolve'],
  ] as const)('%j -> %s', (event, action) => {
    expect(pagerdutyAction(event)).toBe(action);
  });

  it('cuts a long summary to 1024 characters, counting code points', () => {
    const long = { ...opened, check: { ...opened.check, name: '🔥'.repeat(2000) } };
    const summary = buildPagerdutyEvent(long, ROUTING_KEY, '').payload.summary;
    expect(Array.from(summary)).toHaveLength(SUMMARY_MAX_CHARS);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary).not.toMatch(/[\uD800-\uDBFF]…$/);
  });

  it('describes an unreachable agent by its host name, without a port', () => {
    const liveness: IncidentEvent = {
      ...opened,
      check: { id: LIVENESS_CHECK_ID, name: 'Agent unreachable', host: 'edge-1.lan', port: 0 },
      reason: 'unreachable',
      detail: 'no heartbeat for 1m',
    };
    const body = buildPagerdutyEvent(liveness, ROUTING_KEY, 'http://ui.example');
    expect(body.payload).toMatchObject({
      summary: 'agent edge-1 unreachable',
      source: 'edge-1.lan',
      class: 'unreachable',
    });
    expect(body.payload.custom_details).not.toHaveProperty('port');
  });
});

describe('pagerdutySeverity', () => {
  it.each([
    [{ severity: 'critical' }, 'critical'],
    [{ severity: 'Warning ' }, 'warning'], // case and spaces do not matter
    [{ severity: 'info' }, 'info'],
    [{ severity: 'page' }, 'error'], // not one of PagerDuty's four
    [{ severity: '' }, 'error'],
    [{}, 'error'], // no label
  ])('%o -> %s', (labels, expected) => {
    expect(pagerdutySeverity(labels)).toBe(expected);
  });
});

describe('pagerduty channel', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const config = (path: string, extra: Record<string, unknown> = {}) =>
    pagerdutyChannel.parseConfig({ routingKey: ROUTING_KEY, url: `${receiver.url}${path}`, ...extra });

  it('delivers a trigger and then a resolve, accepting 202', async () => {
    receiver.script('/v2/enqueue', [
      { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' },
      { status: 202, body: '{"status":"success"}' },
    ]);
    const channel = config('/v2/enqueue');
    await pagerdutyChannel.send(
      { event: opened, channelKey: 'critical#0:pagerduty', attempt: 1 },
      channel,
      context,
    );
    await pagerdutyChannel.send(
      { event: resolved, channelKey: 'critical#0:pagerduty', attempt: 1 },
      channel,
      context,
    );
    const [trigger, resolve] = receiver.on('/v2/enqueue');
    expect(trigger!.method).toBe('POST');
    expect(trigger!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(trigger!.body)).toEqual(buildPagerdutyEvent(opened, ROUTING_KEY, context.externalUrl));
    expect(JSON.parse(resolve!.body)).toMatchObject({
      event_action: 'resolve',
      dedup_key: 'portwarden-incident-12',
      routing_key: ROUTING_KEY,
    });
  });

  it('takes 400 (invalid event) as final, and never names the routing key', async () => {
    const answer = '{"status":"invalid event","message":"Event object is invalid","errors":["x"]}';
    receiver.script('/bad', [{ status: 400, body: answer }]);
    const error = await pagerdutyChannel
      .send({ event: opened, channelKey: 'critical#0:pagerduty', attempt: 1 }, config('/bad'), context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedStatusError);
    expect((error as RejectedStatusError).retryable).toBe(false);
    expect((error as RejectedStatusError).bodyStart).toBe(answer);
    expect((error as Error).message).not.toContain(ROUTING_KEY);
    expect((error as Error).message).not.toContain('/bad');
  });

  it('retries 429 and 5xx', async () => {
    receiver.script('/busy', [{ status: 429 }, { status: 503 }]);
    for (const status of [429, 503]) {
      const error = await pagerdutyChannel
        .send({ event: opened, channelKey: 'critical#0:pagerduty', attempt: 1 }, config('/busy'), context)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableStatusError);
      expect((error as RetryableStatusError).status).toBe(status);
    }
  });

  it('defaults to the US endpoint and a 10s timeout (parsed only, never contacted)', () => {
    expect(pagerdutyChannel.parseConfig({ routingKey: ROUTING_KEY })).toEqual({
      routingKey: ROUTING_KEY,
      url: DEFAULT_PAGERDUTY_URL,
      timeoutMs: 10_000,
    });
    expect(
      pagerdutyChannel.parseConfig({
        routingKey: ROUTING_KEY,
        url: 'https://events.eu.pagerduty.com/v2/enqueue',
        timeout: '3s',
      }),
    ).toMatchObject({ url: 'https://events.eu.pagerduty.com/v2/enqueue', timeoutMs: 3000 });
  });

  it('rejects a missing or empty routing key and unknown options, without quoting values', () => {
    expect(() => pagerdutyChannel.parseConfig({})).toThrow(ChannelConfigError);
    expect(() => pagerdutyChannel.parseConfig({ routingKey: '' })).toThrow(/routingKey/);
    const unknown = () => pagerdutyChannel.parseConfig({ routingKey: ROUTING_KEY, serviceKey: 'x' });
    expect(unknown).toThrow(ChannelConfigError);
    expect(unknown).not.toThrow(ROUTING_KEY);
    const badUrl = () =>
      pagerdutyChannel.parseConfig({ routingKey: ROUTING_KEY, url: `ftp://x/${ROUTING_KEY}` });
    expect(badUrl).toThrow(/url/);
    expect(badUrl).not.toThrow(ROUTING_KEY);
  });
});
