import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../state/event.js';
import {
  ALERT_NAME,
  alertLabels,
  buildAlertmanagerMessage,
  fingerprint,
  formatLabelSet,
  ZERO_TIME,
} from './alertmanager.js';

const opened: IncidentEvent = {
  outboxId: 7,
  event: 'opened',
  incidentId: 42,
  check: { id: 'https', name: 'Web HTTPS', host: '10.0.0.7', port: 443 },
  agent: { name: 'web-1', hostname: 'web-1.example', labels: { env: 'prod', 'dc.region': 'eu-1' } },
  alertGroup: { id: 'critical', name: 'Critical Errors' },
  policyRevision: 1,
  reason: 'refused',
  detail: 'connect ECONNREFUSED 10.0.0.7:443',
  consecutiveFailures: 3,
  startsAt: '2026-11-21T10:00:00.000Z',
};
const resolved: IncidentEvent = {
  ...opened,
  outboxId: 8,
  event: 'resolved',
  endsAt: '2026-11-21T10:05:00.000Z',
};

const labels = {
  alertname: ALERT_NAME,
  check: 'Web HTTPS',
  check_id: 'https',
  agent: 'web-1',
  host: '10.0.0.7',
  port: '443',
  env: 'prod',
  dc_region: 'eu-1',
};
const annotations = {
  summary: 'Web HTTPS on web-1 failed: refused',
  description:
    'Check "Web HTTPS" on 10.0.0.7:443, probed by agent web-1, failed: refused (the connection was refused ' +
    '(nothing listens on the port)). Detail: connect ECONNREFUSED 10.0.0.7:443',
};

describe('buildAlertmanagerMessage', () => {
  const firingMessage = buildAlertmanagerMessage(opened, 'https://portwarden.example/');
  const resolvedMessage = buildAlertmanagerMessage(resolved, 'https://portwarden.example');

  it.each([
    // why: receivers read the version-4 envelope field by field; every field must be there, no more.
    ['firing envelope', firingMessage, 'firing', ZERO_TIME],
    // why: resolved keeps labels and annotations and carries the end time instead of Go's zero time.
    ['resolved envelope', resolvedMessage, 'resolved', '2026-11-21T10:05:00.000Z'],
  ])('%s', (_name, message, status, endsAt) => {
    expect(message).toStrictEqual({
      receiver: 'critical',
      status,
      alerts: [
        {
          status,
          labels,
          annotations,
          startsAt: '2026-11-21T10:00:00.000Z',
          endsAt,
          generatorURL: 'https://portwarden.example/incidents/42',
          fingerprint: fingerprint(labels),
        },
      ],
      groupLabels: { alertname: ALERT_NAME, agent: 'web-1', check_id: 'https' },
      commonLabels: labels,
      commonAnnotations: annotations,
      externalURL: 'https://portwarden.example',
      version: '4',
      groupKey:
        '{}/{alertgroup="critical"}:{agent="web-1", alertname="PortwardenCheckFailed", check_id="https"}',
      truncatedAlerts: 0,
    });
  });

  it('gives the opened and the resolved event of an incident the same identity', () => {
    const [firing] = firingMessage.alerts;
    const [ended] = resolvedMessage.alerts;
    expect(firing!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(ended!.fingerprint).toBe(firing!.fingerprint);
    expect(resolvedMessage.groupKey).toBe(firingMessage.groupKey);
  });
});

describe('alertLabels', () => {
  it.each([
    // why: an agent label may not pass itself off as the check's host or the alert's name.
    [
      { host: 'spoofed', alertname: 'Other', zone: 'a' },
      { host: '10.0.0.7', alertname: ALERT_NAME, zone: 'a' },
    ],
    // why: Prometheus label names allow only [a-zA-Z0-9_]; policy label keys also allow . and -.
    [
      { 'team.name': 'ops', 'cost-center': '42' },
      { team_name: 'ops', cost_center: '42' },
    ],
    // why: __ names are reserved in Prometheus; dropping them beats renaming them.
    [{ __meta: 'x' }, {}],
    // why: two keys that sanitize alike must yield one stable value: the first in sorted order wins.
    [{ 'a-b': 'dash', 'a.b': 'dot' }, { a_b: 'dash' }],
  ])('agent labels %j -> %j', (agentLabels, expected) => {
    const got = alertLabels({ ...opened, agent: { ...opened.agent, labels: agentLabels } });
    expect(got).toMatchObject(expected);
    expect(Object.keys(got).filter((key) => key.startsWith('__'))).toEqual([]);
  });
});

describe('fingerprint', () => {
  it.each([
    // why: vectors from prometheus/common's TestMetricToFingerprint, which Alertmanager uses.
    [{}, 'cbf29ce484222325'],
    [{ name: 'garland, briggs', fear: 'love is not enough' }, '507a62d79ee76c9a'],
  ])('%j -> %s', (input, expected) => {
    expect(fingerprint(input)).toBe(expected);
  });

  it('ignores label order and separates names from values', () => {
    expect(fingerprint({ a: 'b', c: 'd' })).toBe(fingerprint({ c: 'd', a: 'b' }));
    expect(fingerprint({ a: 'bc' })).not.toBe(fingerprint({ ab: 'c' }));
  });
});

describe('formatLabelSet', () => {
  it('prints like Prometheus, sorted and quoted', () => {
    expect(formatLabelSet({ b: 'x"y', a: '1' })).toBe('{a="1", b="x\\"y"}');
  });
});

describe('a response and a firewall check in the notification', () => {
  const tried: IncidentEvent = {
    ...opened,
    response: {
      verdict: 'failed',
      trigger: { outcome: 'down', reason: 'refused', detail: 'ECONNREFUSED', durationMs: 1 },
      attempts: [
        {
          kind: 'restart-service',
          target: 'nginx',
          status: 'done',
          reason: '',
          detail: 'restart nginx: done',
          startedAt: '2026-11-21T10:00:00.000Z',
          durationMs: 900,
          verification: { outcome: 'down', reason: 'refused', detail: 'ECONNREFUSED', durationMs: 1 },
        },
      ],
    },
  };

  it('says what was tried and how it ended, firing and resolved alike', () => {
    const firing = buildAlertmanagerMessage(tried, 'http://x').alerts[0]!.annotations;
    const text = 'the response failed: restart-service nginx: done, then the check was still down (refused)';
    expect(firing).toEqual({
      summary: 'Web HTTPS on web-1 failed: refused',
      description: `${annotations.description} Automatic response: ${text}.`,
      response: text,
      response_verdict: 'failed',
    });
    const resolvedToo = buildAlertmanagerMessage(
      { ...tried, event: 'resolved', endsAt: ZERO_TIME },
      'http://x',
    );
    expect(resolvedToo.alerts[0]!.annotations).toEqual(firing);
    // The response is no part of the alert's identity.
    expect(alertLabels(tried)).toEqual(labels);
  });

  it("shows the agent's clock beside the controller's only when the event carries it", () => {
    const skewed = buildAlertmanagerMessage({ ...opened, probedAt: '2026-11-21T10:10:00.000Z' }, 'http://x');
    expect(skewed.alerts[0]!.annotations.probed_at).toBe('2026-11-21T10:10:00.000Z (agent clock)');
    expect(skewed.alerts[0]!.startsAt).toBe(opened.startsAt);
    expect(buildAlertmanagerMessage(opened, 'http://x').alerts[0]!.annotations.probed_at).toBeUndefined();
    // The agent's time is no part of the alert's identity.
    expect(alertLabels({ ...opened, probedAt: '2026-11-21T10:10:00.000Z' })).toEqual(alertLabels(opened));
  });

  it('names the denial when the agent does not allow the response', () => {
    const denied: IncidentEvent = {
      ...opened,
      reason: 'response-denied',
      response: {
        verdict: 'denied',
        trigger: { outcome: 'down', reason: 'refused', detail: 'ECONNREFUSED', durationMs: 1 },
        attempts: [
          {
            ...tried.response!.attempts[0]!,
            status: 'denied',
            reason: 'response-denied',
            detail: 'service "nginx" is not in this agent\'s responses.services',
            verification: null,
          },
        ],
      },
    };
    expect(buildAlertmanagerMessage(denied, 'http://x').alerts[0]!.annotations.response).toBe(
      'the response was denied by the agent\'s local config: restart-service nginx: denied (service "nginx" is not in this agent\'s responses.services)',
    );
  });

  it('has no port for a firewall check, and names the host whose firewall it is', () => {
    const firewall: IncidentEvent = {
      ...opened,
      check: { id: 'fw', name: 'Windows Firewall', host: 'web-1.example', port: 0, kind: 'firewall' },
      reason: 'gpo-override',
      detail: 'domain is off by Group Policy (provider powershell)',
    };
    const alert = buildAlertmanagerMessage(firewall, 'http://x').alerts[0]!;
    expect(alert.labels).not.toHaveProperty('port');
    expect(alert.labels).toMatchObject({ check_id: 'fw', host: 'web-1.example' });
    expect(alert.annotations.description).toBe(
      'Firewall check "Windows Firewall" on web-1.example, run by agent web-1, failed: gpo-override ' +
        '(Group Policy keeps a firewall profile off; the agent does not fight it). ' +
        'Detail: domain is off by Group Policy (provider powershell)',
    );
  });
});
