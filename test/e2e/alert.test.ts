import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

interface AlertmanagerMessage {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }[];
}

/**
 * The walking skeleton, end to end: a port that stops answering becomes exactly one firing webhook
 * after the third consecutive failure, and exactly one resolved webhook when it answers again.
 */
describe('a port that stops answering', () => {
  const fleet = new Fleet({ redis: true });
  const receiver = new WebhookReceiver();
  const service = new FlakyService();
  const results: SpooledResult[] = [];

  beforeAll(async () => {
    await Promise.all([fleet.start(), receiver.start(), service.start()]);
    await fleet.controller.applyPolicy(`
alertGroups:
  critical-errors:
    name: Critical Errors
    channels: [{ webhook: { url: '${receiver.url}' } }]
checks:
  - name: Web (HTTP) Server
    port: ${service.port}
    interval: 1s
    timeout: 500ms
    failuresBeforeAlert: 3
    alertGroup: critical-errors
`);
    await fleet.addAgent('web-1', { role: 'web', site: 'paris' }, (r) => results.push(r));
  });

  afterAll(async () => {
    await fleet.stop();
    await receiver.stop();
    await service.stop();
  });

  const downs = () => results.filter((r) => r.outcome === 'down');

  it('is reported up while it answers, and nobody is told', async () => {
    await until('a first up result', () => results.find((r) => r.outcome === 'up'));
    expect(receiver.received).toHaveLength(0);
  });

  it('fires exactly once, after the third consecutive failure and not before', async () => {
    await service.stop();
    await receiver.waitFor(1);
    // When the webhook arrived, the agent had produced at least three down results.
    expect(downs().length).toBeGreaterThanOrEqual(3);
    const third = downs()[2]!;
    const message = receiver.received[0]!.body as AlertmanagerMessage;
    expect(message).toMatchObject({ version: '4', status: 'firing', receiver: 'critical-errors' });
    expect(message.groupKey).toContain('critical-errors');
    expect(message.alerts).toHaveLength(1);
    const alert = message.alerts[0]!;
    expect(alert.status).toBe('firing');
    expect(alert.labels).toMatchObject({
      check: 'Web (HTTP) Server',
      agent: 'web-1',
      host: '127.0.0.1',
      port: String(service.port),
      role: 'web',
      site: 'paris',
    });
    expect(alert.labels.alertname).toBeTruthy();
    expect(alert.annotations.summary).toContain('Web (HTTP) Server');
    expect(alert.annotations.description).toContain('refused');
    // The incident starts when the controller received the probe that reached the threshold: by
    // its own clock, a moment after the probe ended on the agent (same clock here, so no probed_at).
    const startsAt = Date.parse(alert.startsAt);
    expect(startsAt).toBeGreaterThanOrEqual(third.startedAtUnixMs);
    expect(startsAt - third.startedAtUnixMs).toBeLessThan(5_000);
    expect(alert.annotations.probed_at).toBeUndefined();
    expect(alert.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    // Two more failures go by: still exactly one notification.
    const seen = downs().length;
    await until('two more failures', () => downs().length >= seen + 2);
    await until(
      'the relay to be idle',
      async () =>
        (await fleet.api<{ incidents: unknown[] }>('/api/v1/incidents?status=open')).incidents.length === 1,
    );
    expect(receiver.received).toHaveLength(1);
  });

  it('resolves exactly once when it answers again', async () => {
    const firing = (receiver.received[0]!.body as AlertmanagerMessage).alerts[0]!;
    await service.start();
    await receiver.waitFor(2);
    const message = receiver.received[1]!.body as AlertmanagerMessage;
    expect(message.status).toBe('resolved');
    const alert = message.alerts[0]!;
    expect(alert.status).toBe('resolved');
    expect(alert.fingerprint).toBe(firing.fingerprint);
    expect(alert.startsAt).toBe(firing.startsAt);
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.parse(alert.startsAt));

    const ups = results.filter((r) => r.outcome === 'up').length;
    await until('two more successes', () => results.filter((r) => r.outcome === 'up').length >= ups + 2);
    expect(receiver.received).toHaveLength(2);
    const { incidents } = await fleet.api<{ incidents: { resolvedAt: string | null }[] }>(
      '/api/v1/incidents',
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.resolvedAt).not.toBeNull();
  });
});
