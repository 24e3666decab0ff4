import { describe, expect, it } from 'vitest';
import type { CounterSnapshot } from './agents/counters.js';
import { buildReport, formatReport, type Readings, type RunConfig } from './report.js';

const config: RunConfig = {
  controller: '127.0.0.1:7443',
  agents: 1000,
  checks: 25,
  intervalMs: 1000,
  failureRate: 0,
  agentsPerConnection: 50,
  nominalPerSecond: 25_000,
};

const counts = (over: Partial<CounterSnapshot>): CounterSnapshot => ({
  offered: 0,
  sentResults: 0,
  sentMessages: 0,
  acked: 0,
  ackedMessages: 0,
  heartbeats: 0,
  streamErrors: 0,
  ...over,
});

const readings = (over: Partial<Readings>): Readings => ({
  windowMs: 60_000,
  counts: counts({}),
  ackLatency: { count: 0, p50: null, p95: null, p99: null, max: null },
  waitingEnd: 0,
  waitingMax: 0,
  largestBatch: 1,
  drained: true,
  configuredAgents: 1000,
  totals: { offered: 0, acked: 0 },
  simCpuMs: 0,
  ...over,
});

describe('buildReport', () => {
  const cases: {
    name: string;
    readings: Partial<Readings>;
    want: Record<string, unknown>;
  }[] = [
    {
      name: 'steady state: one result per message, one commit per message, heartbeats free',
      readings: {
        counts: counts({
          offered: 1_500_000,
          acked: 1_500_000,
          ackedMessages: 1_500_000,
          sentMessages: 1_500_000,
          heartbeats: 6000,
        }),
        commits: 1_500_000,
      },
      want: {
        offeredPerSecond: 25_000,
        ackedPerSecond: 25_000,
        resultsPerMessage: 1,
        commitsPerSecond: 25_000,
        commitsPerResult: 1,
        commitsPerHeartbeat: 0,
        heartbeatsPerSecond: 100,
      },
    },
    {
      name: 'each heartbeat costs two commits of its own',
      readings: {
        counts: counts({ acked: 120_000, ackedMessages: 120_000, heartbeats: 60_000 }),
        commits: 240_000,
      },
      want: { commitsPerResult: 2, commitsPerHeartbeat: 2 },
    },
    {
      name: 'group commit: fewer commits than messages reads as no heartbeat cost, not a negative one',
      readings: { counts: counts({ acked: 60_000, ackedMessages: 60_000, heartbeats: 600 }), commits: 600 },
      want: { commitsPerResult: 0.01, commitsPerHeartbeat: 0 },
    },
    {
      name: 'overload: agents batch, results per message above one',
      readings: { counts: counts({ offered: 3_000_000, acked: 180_000, ackedMessages: 600 }) },
      want: { offeredPerSecond: 50_000, ackedPerSecond: 3000, resultsPerMessage: 300 },
    },
    {
      name: 'nothing acknowledged: ratios are null, not NaN',
      readings: { counts: counts({ offered: 10 }), commits: 5 },
      want: { resultsPerMessage: null, commitsPerResult: null, commitsPerHeartbeat: null, ackedPerSecond: 0 },
    },
    {
      name: 'CPU as % of one core over the window; RSS in MiB',
      readings: {
        controller: { pid: 42, cpuMs: 45_000, rssEndBytes: 512 * 2 ** 20, rssMaxBytes: 600 * 2 ** 20 },
        postgres: { cpuMs: 30_000, processes: 12 },
        simCpuMs: 6_000,
      },
      want: {
        controller: { pid: 42, cpuPercent: 75, rssMiB: 512, rssMaxMiB: 600 },
        postgres: { cpuPercent: 50, processes: 12 },
        simCpuPercent: 10,
      },
    },
  ];
  it.each(cases)('$name', ({ readings: over, want }) => {
    expect(buildReport(config, readings(over))).toMatchObject(want);
  });

  it('leaves out what was not measured', () => {
    const report = buildReport(config, readings({}));
    expect(report).not.toHaveProperty('controller');
    expect(report).not.toHaveProperty('commitsPerResult');
    expect(report).not.toHaveProperty('notifications');
    expect(report.insecure).toBe(true);
  });
});

describe('formatReport', () => {
  it('says the controller is spoken to in plaintext, and flags results left unacknowledged', () => {
    const text = formatReport(
      buildReport(config, readings({ drained: false, totals: { offered: 10, acked: 7 } })),
    );
    expect(text).toContain('--insecure');
    expect(text).toContain('NO: 7 of 10 results acknowledged');
  });
});
