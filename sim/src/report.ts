/**
 * The sim's report: raw counts and readings from the measured window in, rates and ratios out
 * (`buildReport`, pure), printed as a text table (`formatReport`) or as JSON.
 */
import type { CounterSnapshot } from './agents/counters.js';
import type { LatencySummary } from './measure/stats.js';
import { perSecond } from './measure/stats.js';
import type { NotificationReport } from './notify/tracker.js';

export interface RunConfig {
  controller: string;
  agents: number;
  checks: number;
  intervalMs: number;
  failureRate: number;
  agentsPerConnection: number;
  /** The results/s the fleet should offer: agents × checks / interval. */
  nominalPerSecond: number;
}

/** What the run read, raw: counters over the window, CPU ms over it, bytes, commits. */
export interface Readings {
  windowMs: number;
  counts: CounterSnapshot;
  ackLatency: LatencySummary;
  /** Results waiting in agents for a window slot: at the window's end, and the most seen. */
  waitingEnd: number;
  waitingMax: number;
  largestBatch: number;
  /** After the window: everything offered was acknowledged within the drain time. */
  drained: boolean;
  /** Agents that had their config when the window ended. */
  configuredAgents: number;
  /** Streams ended over the whole run, by gRPC status name. */
  streamEnds?: Record<string, number>;
  /** The whole run's results, warm-up and drain included. */
  totals: { offered: number; acked: number };
  controller?: { pid: number; cpuMs: number; rssEndBytes: number; rssMaxBytes: number };
  postgres?: { cpuMs: number; processes: number };
  commits?: number;
  notifications?: NotificationReport;
  unreachableIncidents?: number;
  simCpuMs: number;
  /** The sim's event-loop delay over the window (its own lateness, part of every latency it measures). */
  simLoopDelayMs?: { p99: number; max: number };
}

export interface SimReport {
  config: RunConfig;
  /** Always true: the sim speaks plaintext gRPC to an --insecure controller. */
  insecure: true;
  windowSeconds: number;
  offeredPerSecond: number;
  ackedPerSecond: number;
  messagesPerSecond: number;
  /** Acked results per acked message: 1 in steady state, more when agents batch. */
  resultsPerMessage: number | null;
  heartbeatsPerSecond: number;
  ackLatencyMs: LatencySummary;
  waitingEnd: number;
  waitingMax: number;
  largestBatch: number;
  drained: boolean;
  /** Agents that had their config when the window ended (all of them unless the controller was too slow). */
  configuredAgents: number;
  /** Streams ended over the whole run (warm-up included), by gRPC status name. */
  streamEnds: Record<string, number>;
  /** The whole run's results, warm-up and drain included: equal when nothing was lost. */
  totals: { offered: number; acked: number };
  streamErrors: number;
  controller?: { pid: number; cpuPercent: number; rssMiB: number; rssMaxMiB: number };
  postgres?: { cpuPercent: number; processes: number };
  commitsPerSecond?: number;
  commitsPerResult?: number | null;
  /**
   * Commits beyond one per acked results message, per heartbeat: what heartbeats (and anything
   * else) cost when each message commits once; 0 when the controller commits less than that.
   */
  commitsPerHeartbeat?: number | null;
  notifications?: NotificationReport;
  unreachableIncidents?: number;
  simCpuPercent: number;
  simLoopDelayMs?: { p99: number; max: number };
}

const MiB = 1024 * 1024;

export function buildReport(config: RunConfig, r: Readings): SimReport {
  const ms = r.windowMs;
  const c = r.counts;
  const percent = (cpuMs: number) => (ms > 0 ? (cpuMs / ms) * 100 : 0);
  return {
    config,
    insecure: true,
    windowSeconds: ms / 1000,
    offeredPerSecond: perSecond(c.offered, ms),
    ackedPerSecond: perSecond(c.acked, ms),
    messagesPerSecond: perSecond(c.sentMessages, ms),
    resultsPerMessage: c.ackedMessages > 0 ? c.acked / c.ackedMessages : null,
    heartbeatsPerSecond: perSecond(c.heartbeats, ms),
    ackLatencyMs: r.ackLatency,
    waitingEnd: r.waitingEnd,
    waitingMax: r.waitingMax,
    largestBatch: r.largestBatch,
    drained: r.drained,
    configuredAgents: r.configuredAgents,
    streamEnds: r.streamEnds ?? {},
    totals: r.totals,
    streamErrors: c.streamErrors,
    ...(r.controller && {
      controller: {
        pid: r.controller.pid,
        cpuPercent: percent(r.controller.cpuMs),
        rssMiB: r.controller.rssEndBytes / MiB,
        rssMaxMiB: r.controller.rssMaxBytes / MiB,
      },
    }),
    ...(r.postgres && {
      postgres: { cpuPercent: percent(r.postgres.cpuMs), processes: r.postgres.processes },
    }),
    ...(r.commits !== undefined && {
      commitsPerSecond: perSecond(r.commits, ms),
      commitsPerResult: c.acked > 0 ? r.commits / c.acked : null,
      commitsPerHeartbeat: c.heartbeats > 0 ? Math.max(0, r.commits - c.ackedMessages) / c.heartbeats : null,
    }),
    ...(r.notifications && { notifications: r.notifications }),
    ...(r.unreachableIncidents !== undefined && { unreachableIncidents: r.unreachableIncidents }),
    simCpuPercent: percent(r.simCpuMs),
    ...(r.simLoopDelayMs && { simLoopDelayMs: r.simLoopDelayMs }),
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number | null | undefined, digits = 1) => (n == null ? '–' : n.toFixed(digits));
const msText = (n: number | null) => (n == null ? '–' : n < 10 ? `${n.toFixed(1)} ms` : `${int(n)} ms`);

/** The report as lines of `name  value`, for a terminal. */
export function formatReport(report: SimReport): string {
  const c = report.config;
  const rows: [string, string][] = [
    ['controller', `${c.controller} (plaintext gRPC: an --insecure controller, agents named by their hello)`],
    [
      'fleet',
      `${int(c.agents)} agents × ${c.checks} checks / ${c.intervalMs} ms, ${(c.failureRate * 100).toFixed(1)}% failing, ${c.agentsPerConnection} agents per connection`,
    ],
    ['window', `${report.windowSeconds.toFixed(1)} s`],
    [
      'configured agents',
      report.configuredAgents === c.agents
        ? `all ${int(c.agents)}`
        : `ONLY ${int(report.configuredAgents)} of ${int(c.agents)} (the controller was too slow)`,
    ],
    ['offered results/s', `${int(report.offeredPerSecond)} (nominal ${int(c.nominalPerSecond)})`],
    ['acked results/s', int(report.ackedPerSecond)],
    [
      'results messages/s',
      `${int(report.messagesPerSecond)} (${fixed(report.resultsPerMessage, 2)} results per acked message, largest ${report.largestBatch})`,
    ],
    [
      'ack latency p50/p95/p99/max',
      [report.ackLatencyMs.p50, report.ackLatencyMs.p95, report.ackLatencyMs.p99, report.ackLatencyMs.max]
        .map(msText)
        .join(' / '),
    ],
    ['waiting in agents', `${int(report.waitingEnd)} at the end, at most ${int(report.waitingMax)}`],
    [
      'drained after the window',
      report.drained
        ? `yes: all ${int(report.totals.offered)} results offered in the run were acknowledged`
        : `NO: ${int(report.totals.acked)} of ${int(report.totals.offered)} results acknowledged`,
    ],
    [
      'streams ended',
      `${int(report.streamErrors)} in the window; in the run: ${
        Object.entries(report.streamEnds)
          .map(([why, n]) => `${why} ${int(n)}`)
          .join(', ') || 'none'
      }`,
    ],
    ['heartbeats/s', int(report.heartbeatsPerSecond)],
  ];
  if (report.controller)
    rows.push([
      `controller (pid ${report.controller.pid})`,
      `${fixed(report.controller.cpuPercent)}% CPU, RSS ${int(report.controller.rssMiB)} MiB (max ${int(report.controller.rssMaxMiB)})`,
    ]);
  if (report.postgres)
    rows.push([
      'postgres',
      `${fixed(report.postgres.cpuPercent)}% CPU (${report.postgres.processes} processes)`,
    ]);
  if (report.commitsPerSecond !== undefined)
    rows.push([
      'commits',
      `${int(report.commitsPerSecond)}/s, ${fixed(report.commitsPerResult, 3)} per result, ${fixed(report.commitsPerHeartbeat, 2)} per heartbeat beyond one per message`,
    ]);
  const n = report.notifications;
  if (n)
    rows.push(
      [
        'notifications',
        `${n.received} received of ${n.expected} expected: ${n.doubled} doubled, ${n.missing} missing, ${n.unexpected} unexpected, ${n.unacknowledged} not due (their results were never acknowledged)`,
      ],
      [
        'notification latency p50/p99/max',
        [n.firingLatency.p50, n.firingLatency.p99, n.firingLatency.max].map(msText).join(' / '),
      ],
      [
        '  over the whole run',
        `${[n.firingLatencyRun.p50, n.firingLatencyRun.p99, n.firingLatencyRun.max].map(msText).join(' / ')} (${int(n.firingLatencyRun.count)} firings, hellos and warm-up included)`,
      ],
    );
  if (report.unreachableIncidents !== undefined)
    rows.push(['"agent unreachable" incidents', int(report.unreachableIncidents)]);
  rows.push([
    'sim CPU',
    `${fixed(report.simCpuPercent)}% of one core${
      report.simLoopDelayMs
        ? `, event-loop delay p99 ${msText(report.simLoopDelayMs.p99)}, max ${msText(report.simLoopDelayMs.max)}`
        : ''
    }`,
  ]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}
