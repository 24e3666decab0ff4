import { describe, expect, it } from 'vitest';
import { buildReport, type Readings } from '../report.js';
import { benchSection, busyNote, replaceSection, SECTION_END, SECTION_START } from './markdown.js';
import { judge, SCENARIOS } from './scenarios.js';

const report = (over: Partial<Readings>, acked = 0) =>
  buildReport(
    {
      controller: 'x',
      agents: 1,
      checks: 1,
      intervalMs: 1000,
      failureRate: 0,
      agentsPerConnection: 1,
      nominalPerSecond: 1,
    },
    {
      windowMs: 1000,
      counts: {
        offered: acked,
        sentResults: acked,
        sentMessages: acked,
        acked,
        ackedMessages: acked,
        heartbeats: 100,
        streamErrors: 0,
      },
      ackLatency: { count: 1, p50: 5, p95: 10, p99: 20, max: 30 },
      waitingEnd: 0,
      waitingMax: 0,
      largestBatch: 1,
      drained: true,
      configuredAgents: 1,
      totals: { offered: acked, acked },
      simCpuMs: 0,
      controller: { pid: 1, cpuMs: 0, rssEndBytes: 100 * 2 ** 20, rssMaxBytes: 100 * 2 ** 20 },
      commits: acked,
      ...over,
    },
  );

describe('judge', () => {
  it.each([
    { name: 'steady-25k', r: report({}, 25_000), met: true },
    { name: 'steady-25k', r: report({}, 3_000), met: false, miss: 'acked 3000/s < 25,000' },
    {
      name: 'steady-25k',
      r: report({ ackLatency: { count: 1, p50: 5, p95: 10, p99: 1500, max: 1500 } }, 25_000),
      met: false,
      miss: 'ack p99 1500 ms > 1000',
    },
    { name: 'overload-2x', r: report({}, 24_000), sustainable: 25_000, met: true },
    {
      name: 'overload-2x',
      r: report({}, 10_000),
      sustainable: 25_000,
      met: false,
      miss: 'acked 10000/s < 90% of the sustainable 25000/s',
    },
    {
      name: 'overload-2x',
      r: report({ controller: { pid: 1, cpuMs: 0, rssEndBytes: 0, rssMaxBytes: 1100 * 2 ** 20 } }, 24_000),
      sustainable: 25_000,
      met: false,
      miss: 'RSS 1100 MiB ≥ 1024',
    },
    { name: 'agents-20k', r: report({}, 3333), met: true },
    {
      name: 'agents-20k',
      r: report({ commits: 3333 + 200 }, 3333),
      met: false,
      miss: '2.00 commits per heartbeat > 0.05',
    },
  ])('$name: met $met $miss', ({ name, r, sustainable, met, miss }) => {
    const verdict = judge(name, r, sustainable);
    expect(verdict.met).toBe(met);
    if (miss) expect(verdict.misses).toContain(miss);
  });

  it('judges alerts by notifications and false unreachable', () => {
    const latency = { count: 10, p50: 50, p95: 90, p99: 100, max: 120 };
    const notifications = {
      expected: 10,
      received: 10,
      doubled: 0,
      missing: 0,
      unacknowledged: 0,
      unexpected: 0,
      unreachable: 0,
      firingLatency: latency,
      firingLatencyRun: latency,
    };
    expect(judge('alerts', report({ notifications, unreachableIncidents: 0 })).met).toBe(true);
    const bad = judge(
      'alerts',
      report({ notifications: { ...notifications, doubled: 1, missing: 2 }, unreachableIncidents: 3 }),
    );
    expect(bad.misses).toEqual(['1 doubled', '2 missing', '3 false "agent unreachable"']);
  });

  it('misses any goal when part of the fleet never got its config', () => {
    expect(judge('agents-20k', report({ configuredAgents: 0 }, 3333)).misses).toContain(
      'only 0 of 1 agents configured',
    );
  });

  it('knows every scenario it lists', () => {
    for (const s of SCENARIOS) expect(() => judge(s.name, report({}))).not.toThrow();
  });
});

describe('replaceSection', () => {
  it('appends the section once, then replaces it in place, leaving the rest as it was', () => {
    const first = replaceSection('# Benchmarks\n\nother text\n', 'run 1');
    expect(first).toBe(`# Benchmarks\n\nother text\n\n${SECTION_START}\nrun 1\n${SECTION_END}\n`);
    const second = replaceSection(`${first}\n## Later section\n`, 'run 2');
    expect(second).toContain(`${SECTION_START}\nrun 2\n${SECTION_END}`);
    expect(second).not.toContain('run 1');
    expect(second).toContain('other text');
    expect(second.endsWith('## Later section\n')).toBe(true);
  });
});

describe('benchSection', () => {
  it('gives every row, measured or failed, as many cells as the header', () => {
    const text = benchSection({
      command: 'npm run bench:controller',
      date: '2026-12-07 18:00 UTC',
      commit: 'abc1234',
      machine: '2 cores',
      load: { start: 1, end: 2, cores: 2 },
      windowSeconds: 60,
      warmupSeconds: 15,
      baseline: { insertRows: 1000, insertRowsPerSecond: 50_000, copyRows: 2000, copyRowsPerSecond: 150_000 },
      rows: [
        { scenario: SCENARIOS[0]!, report: report({}, 25_000), verdict: { met: true, misses: [] } },
        { scenario: SCENARIOS[1]!, error: 'the controller exited' },
      ],
    });
    const cells = (line: string) => line.split(' | ').length;
    const rows = text
      .split('\n')
      .filter((line) => line.startsWith('| steady') || line.startsWith('| overload'));
    const header = text.split('\n').find((line) => line.startsWith('| scenario'))!;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toBe(cells(header));
    expect(rows[1]).toContain('no: the controller exited');
    expect(text).toContain('| multi-row INSERT, 1,000 rows per statement | 1,000 | 50,000 |');
  });
});

describe('busyNote', () => {
  it.each([
    { load: { start: 0.5, end: 1.9, cores: 2 }, busy: false },
    { load: { start: 2, end: 2, cores: 2 }, busy: false },
    { load: { start: 1, end: 2.5, cores: 2 }, busy: true },
    { load: { start: 12, end: 9, cores: 2 }, busy: true },
  ])('load $load.start → $load.end on $load.cores cores: busy $busy', ({ load, busy }) => {
    expect(busyNote(load).some((line) => line.includes('The machine was busy'))).toBe(busy);
  });
});
