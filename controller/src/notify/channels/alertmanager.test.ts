import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';
import { alertAnnotations, alertLabels, fingerprint } from '../alertmanager.js';
import { ChannelConfigError, RejectedStatusError } from '../retry.js';
import { startAlertmanager, type TestAlertmanager } from '../testing/alertmanager.js';
import { startReceiver } from '../testing/receiver.js';
import {
  alertmanagerChannel,
  alertsEndpoint,
  buildPostableAlerts,
  FIRING_HORIZON_MS,
  firingHorizonMs,
} from './alertmanager.js';

const NOW = Date.parse('2026-11-21T10:01:00.000Z');

function incident(startsAt: string, id = 21): { opened: IncidentEvent; resolved: IncidentEvent } {
  const opened: IncidentEvent = {
    outboxId: 1,
    event: 'opened',
    incidentId: id,
    check: { id: 'pg', name: 'Postgres', host: 'db.lan', port: 5432 },
    agent: { name: 'db-agent', hostname: 'db', labels: { team: 'data', 'app.kubernetes.io/name': 'pg' } },
    alertGroup: { id: 'data', name: 'Data' },
    policyRevision: 2,
    reason: 'timeout',
    detail: 'no answer in 3s',
    consecutiveFailures: 3,
    startsAt,
  };
  return {
    opened,
    resolved: {
      ...opened,
      outboxId: 2,
      event: 'resolved',
      endsAt: new Date(Date.parse(startsAt) + 1000).toISOString(),
    },
  };
}

describe('buildPostableAlerts', () => {
  const { opened, resolved } = incident('2026-11-21T10:00:00.000Z');

  it('posts a firing alert with the webhook message labels and an endsAt a horizon ahead', () => {
    expect(buildPostableAlerts(opened, 'http://ui.example/', NOW)).toEqual([
      {
        labels: alertLabels(opened),
        annotations: alertAnnotations(opened),
        startsAt: '2026-11-21T10:00:00.000Z',
        endsAt: new Date(NOW + FIRING_HORIZON_MS).toISOString(),
        generatorURL: 'http://ui.example/incidents/21',
      },
    ]);
  });

  it('posts the resolved alert with the same labels and endsAt when it resolved', () => {
    const [firing] = buildPostableAlerts(opened, 'http://ui.example', NOW);
    const [done] = buildPostableAlerts(resolved, 'http://ui.example', NOW);
    expect(done!.endsAt).toBe(resolved.endsAt);
    expect(fingerprint(done!.labels)).toBe(fingerprint(firing!.labels));
  });

  it.each([
    // why: the default 4h repeat re-posts well within a day: the day is the floor
    [undefined, FIRING_HORIZON_MS],
    // why: a short repeat interval still keeps a day, so a few missed passes expire nothing
    [2_000, FIRING_HORIZON_MS],
    // why: at 8h three intervals are exactly a day
    [8 * 3_600_000, FIRING_HORIZON_MS],
    // why: a 12h repeat comes after 12h: the alert must outlive three of them, not one day
    [12 * 3_600_000, 36 * 3_600_000],
  ])('a group repeating every %s ms keeps its firing alert %s ms ahead', (repeatIntervalMs, horizonMs) => {
    expect(firingHorizonMs(repeatIntervalMs)).toBe(horizonMs);
    const event = {
      ...opened,
      alertGroup: { ...opened.alertGroup, ...(repeatIntervalMs !== undefined && { repeatIntervalMs }) },
    };
    const [alert] = buildPostableAlerts(event, '', NOW);
    expect(Date.parse(alert!.endsAt)).toBe(NOW + horizonMs);
    expect(Date.parse(alert!.endsAt) - NOW).toBeGreaterThan(repeatIntervalMs ?? 4 * 3_600_000);
  });

  it('never ends a firing alert before it starts, whatever the clock says', () => {
    const [alert] = buildPostableAlerts(opened, '', Date.parse(opened.startsAt) - 3_600_000, 60_000);
    expect(Date.parse(alert!.endsAt)).toBe(Date.parse(opened.startsAt) + 60_000);
  });

  it('appends the API path to a base URL with or without a path', () => {
    expect(alertsEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('http://proxy/am/')).toBe('http://proxy/am/api/v2/alerts');
  });
});

describe('alertmanager channel config', () => {
  it('defaults the timeout to 10s and rejects what it cannot use', () => {
    expect(alertmanagerChannel.parseConfig({ url: 'http://am:9093' })).toEqual({
      url: 'http://am:9093',
      timeoutMs: 10_000,
    });
    expect(() => alertmanagerChannel.parseConfig({})).toThrow(ChannelConfigError);
    expect(() => alertmanagerChannel.parseConfig({ url: 'http://am:9093/?x=1' })).toThrow(/query string/);
    expect(() => alertmanagerChannel.parseConfig({ url: 'http://am', headers: {} })).toThrow(
      ChannelConfigError,
    );
  });

  it('reports a rejected post as final, naming the origin only', async () => {
    const receiver = await startReceiver();
    try {
      receiver.script('/secret-path/api/v2/alerts', [{ status: 400, body: '"maxItems"' }]);
      const config = alertmanagerChannel.parseConfig({ url: `${receiver.url}/secret-path` });
      const { opened } = incident('2026-11-21T10:00:00.000Z');
      const error = await alertmanagerChannel
        .send({ event: opened, channelKey: 'data#0:alertmanager', attempt: 1 }, config, {
          logger: silentLogger(),
          externalUrl: 'http://ui.example',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RejectedStatusError);
      expect((error as Error).message).not.toContain('secret-path');
    } finally {
      await receiver.close();
    }
  });
});

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  status: { state: string };
}

describe('alertmanager channel against a real Alertmanager', () => {
  let am: TestAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 30_000);
  afterAll(async () => {
    await am?.stop();
  });

  async function alerts(): Promise<GettableAlert[]> {
    const response = await fetch(`${am.url}/api/v2/alerts`);
    expect(response.status).toBe(200);
    return (await response.json()) as GettableAlert[];
  }

  async function received(status: 'firing' | 'resolved'): Promise<number> {
    const metrics = await (await fetch(`${am.url}/metrics`)).text();
    const line = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('alertmanager_alerts_received_total{') &&
          l.includes(`{status="${status}",version="v2"}`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('delivers a firing alert, read back active, then the resolved one, no longer active', async () => {
    // Times near now, as in production: the firing alert's endsAt is checked against the clock.
    const { opened, resolved } = incident(new Date(Date.now() - 60_000).toISOString());
    const context = { logger: silentLogger(), externalUrl: 'http://ui.example' };
    const config = alertmanagerChannel.parseConfig({ url: am.url, timeout: '5s' });
    const id = fingerprint(alertLabels(opened));

    await alertmanagerChannel.send(
      { event: opened, channelKey: 'data#0:alertmanager', attempt: 1 },
      config,
      context,
    );
    const firing = (await alerts()).find((alert) => alert.fingerprint === id);
    expect(firing).toBeDefined();
    expect(firing!.status.state).toBe('active');
    expect(firing!.labels).toEqual(alertLabels(opened));
    expect(firing!.labels.app_kubernetes_io_name).toBe('pg');
    expect(firing!.annotations).toEqual(alertAnnotations(opened));
    expect(Date.parse(firing!.startsAt)).toBe(Date.parse(opened.startsAt));
    expect(Date.parse(firing!.endsAt)).toBeGreaterThan(Date.now() + FIRING_HORIZON_MS / 2);
    expect(firing!.generatorURL).toBe('http://ui.example/incidents/21');
    expect(await received('firing')).toBe(1);

    await alertmanagerChannel.send(
      { event: resolved, channelKey: 'data#0:alertmanager', attempt: 1 },
      config,
      context,
    );
    // The API lists active alerts only: a resolved one is gone, and counted as received resolved.
    expect((await alerts()).find((alert) => alert.fingerprint === id)).toBeUndefined();
    expect(await received('resolved')).toBe(1);
  });
});
