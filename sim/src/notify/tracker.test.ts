import { describe, expect, it } from 'vitest';
import { NotificationTracker, UNREACHABLE_ALERT_NAME, type WebhookMessage } from './tracker.js';

const webhook = (
  agent: string,
  check: string,
  status: 'firing' | 'resolved',
  incident: number,
  alertname = 'PortwardenCheckFailed',
): WebhookMessage => ({
  status,
  alerts: [
    {
      status,
      labels: { alertname, agent, check_id: check },
      generatorURL: `http://127.0.0.1:7480/incidents/${incident}`,
    },
  ],
});

describe('NotificationTracker', () => {
  const ours = (agent: string) => agent.startsWith('sim-');

  it('matches a firing webhook to the result that crossed the threshold, and times it', () => {
    const t = new NotificationTracker(ours);
    t.expect('sim-1', 'c1', 'firing', 1000);
    t.receive(webhook('sim-1', 'c1', 'firing', 7), 1120);
    expect(t.report()).toMatchObject({ expected: 1, received: 1, doubled: 0, missing: 0, unexpected: 0 });
    expect(t.report().firingLatency).toMatchObject({ count: 1, p50: 120, max: 120 });
  });

  it('times only the firings made in the window; the whole run apart', () => {
    const t = new NotificationTracker(ours);
    t.expect('sim-1', 'c1', 'firing', 0, false);
    t.expect('sim-2', 'c1', 'firing', 1000, true);
    t.receive(webhook('sim-1', 'c1', 'firing', 1), 5000);
    t.receive(webhook('sim-2', 'c1', 'firing', 2), 1100);
    expect(t.report().firingLatency).toMatchObject({ count: 1, max: 100 });
    expect(t.report().firingLatencyRun).toMatchObject({ count: 2, max: 5000 });
  });

  const cases: {
    name: string;
    /** agent, check, status, produced at, and whether its result was acknowledged (default yes). */
    expect: [string, string, 'firing' | 'resolved', number, boolean?][];
    receive: [WebhookMessage, number][];
    want: Record<string, number>;
  }[] = [
    {
      name: 'the same incident and status twice is doubled',
      expect: [['sim-1', 'c1', 'firing', 0]],
      receive: [
        [webhook('sim-1', 'c1', 'firing', 7), 10],
        [webhook('sim-1', 'c1', 'firing', 7), 20],
      ],
      want: { received: 2, doubled: 1, missing: 0 },
    },
    {
      name: 'a crossing with no webhook is missing',
      expect: [
        ['sim-1', 'c1', 'firing', 0],
        ['sim-2', 'c1', 'firing', 0],
      ],
      receive: [[webhook('sim-1', 'c1', 'firing', 7), 10]],
      want: { received: 1, missing: 1 },
    },
    {
      name: 'firing and resolved of one incident are two events, each expected',
      expect: [
        ['sim-1', 'c1', 'firing', 0],
        ['sim-1', 'c1', 'resolved', 100],
      ],
      receive: [
        [webhook('sim-1', 'c1', 'firing', 7), 10],
        [webhook('sim-1', 'c1', 'resolved', 7), 110],
      ],
      want: { expected: 2, received: 2, doubled: 0, missing: 0, unexpected: 0 },
    },
    {
      name: 'a crossing whose result was never acknowledged is not missing, only not due',
      expect: [
        ['sim-1', 'c1', 'firing', 0, true],
        ['sim-2', 'c1', 'firing', 0, false],
      ],
      receive: [],
      want: { expected: 2, missing: 1, unacknowledged: 1 },
    },
    {
      name: 'a webhook before the ack reaches the sim still matches',
      expect: [['sim-1', 'c1', 'firing', 0, false]],
      receive: [[webhook('sim-1', 'c1', 'firing', 7), 10]],
      want: { received: 1, missing: 0, unacknowledged: 0, unexpected: 0 },
    },
    {
      name: 'a webhook nothing explains is unexpected',
      expect: [],
      receive: [[webhook('sim-1', 'c9', 'firing', 8), 10]],
      want: { received: 1, unexpected: 1 },
    },
    {
      name: 'other fleets are ignored; agent unreachable is counted apart',
      expect: [],
      receive: [
        [webhook('web-1', 'c1', 'firing', 3), 10],
        [webhook('sim-4', '@liveness', 'firing', 9, UNREACHABLE_ALERT_NAME), 10],
        [webhook('sim-4', '@liveness', 'resolved', 9, UNREACHABLE_ALERT_NAME), 20],
      ],
      want: { received: 0, unexpected: 0, unreachable: 1 },
    },
  ];
  it.each(cases)('$name', ({ expect: expected, receive, want }) => {
    const t = new NotificationTracker(ours);
    for (const [agent, check, status, at, acked = true] of expected)
      t.expect(agent, check, status, at).acked = acked;
    for (const [message, at] of receive) t.receive(message, at);
    expect(t.report()).toMatchObject(want);
  });

  it('settles when the last expected webhook arrives, before its timeout', async () => {
    const t = new NotificationTracker(ours);
    t.expect('sim-1', 'c1', 'firing', 0).acked = true;
    const settled = t.settled(60_000);
    t.receive(webhook('sim-1', 'c1', 'firing', 1), 5);
    await settled;
    expect(t.outstanding).toBe(0);
  });
});
