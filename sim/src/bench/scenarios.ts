import type { SimReport } from '../report.js';

/** One row of the benchmark: a fleet, and the goals of issue 13 it is judged by. */
export interface Scenario {
  name: string;
  title: string;
  agents: number;
  checks: number;
  intervalMs: number;
  failureRate: number;
  /** The goals, as text for the table. */
  goalText: string;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'steady-25k',
    title: 'steady 25k: 1,000 agents × 25 checks / 1 s, one result per message',
    agents: 1000,
    checks: 25,
    intervalMs: 1000,
    failureRate: 0,
    goalText: '≥ 25,000/s acked, ack p99 ≤ 1 s',
  },
  {
    name: 'overload-2x',
    title: 'overload 2×: 2,000 agents × 25 checks / 1 s (50,000/s offered)',
    agents: 2000,
    checks: 25,
    intervalMs: 1000,
    failureRate: 0,
    goalText: "RSS < 1 GiB, acks keep flowing at the sustainable rate (≥ 90% of steady 25k's acked/s)",
  },
  {
    name: 'agents-20k',
    title: '20,000 agents × 20 checks / 2 min',
    agents: 20_000,
    checks: 20,
    intervalMs: 120_000,
    failureRate: 0,
    goalText: 'RSS ≤ 1.5 GiB, ack p99 ≤ 250 ms, commits per heartbeat ~0 (≤ 0.05)',
  },
  {
    name: 'alerts',
    title: 'alerts: 10,000 agents × 20 checks / 2 min, 2% of results failing',
    agents: 10_000,
    checks: 20,
    intervalMs: 120_000,
    failureRate: 0.02,
    goalText: 'notification p99 ≤ 250 ms, none doubled or missing, 0 false "agent unreachable"',
  },
];

export interface Verdict {
  met: boolean;
  /** The goals not met, each with the figure. */
  misses: string[];
}

/**
 * Judges a scenario's report against its goals. `sustainable`: the acked/s of the steady row in
 * the same run, when it ran (the overload row is judged against it).
 */
export function judge(name: string, report: SimReport, sustainable?: number): Verdict {
  const misses: string[] = [];
  const need = (ok: boolean, miss: string) => {
    if (!ok) misses.push(miss);
  };
  const p99 = report.ackLatencyMs.p99;
  const { agents } = report.config;
  need(report.configuredAgents === agents, `only ${report.configuredAgents} of ${agents} agents configured`);
  const rss = report.controller?.rssMaxMiB;
  switch (name) {
    case 'steady-25k':
      need(report.ackedPerSecond >= 25_000, `acked ${Math.round(report.ackedPerSecond)}/s < 25,000`);
      need(p99 !== null && p99 <= 1000, `ack p99 ${p99 === null ? 'none' : Math.round(p99)} ms > 1000`);
      break;
    case 'overload-2x': {
      need(rss !== undefined && rss < 1024, `RSS ${rss === undefined ? '?' : Math.round(rss)} MiB ≥ 1024`);
      const floor = 0.9 * (sustainable ?? 0);
      need(
        report.ackedPerSecond > 0 && report.ackedPerSecond >= floor,
        `acked ${Math.round(report.ackedPerSecond)}/s < 90% of the sustainable ${Math.round(sustainable ?? 0)}/s`,
      );
      break;
    }
    case 'agents-20k':
      need(rss !== undefined && rss <= 1536, `RSS ${rss === undefined ? '?' : Math.round(rss)} MiB > 1536`);
      need(p99 !== null && p99 <= 250, `ack p99 ${p99 === null ? 'none' : Math.round(p99)} ms > 250`);
      need(
        report.commitsPerHeartbeat != null && report.commitsPerHeartbeat <= 0.05,
        `${report.commitsPerHeartbeat?.toFixed(2) ?? '?'} commits per heartbeat > 0.05`,
      );
      break;
    case 'alerts': {
      const n = report.notifications;
      const np99 = n?.firingLatency.p99 ?? null;
      need(
        np99 !== null && np99 <= 250,
        `notification p99 ${np99 === null ? 'none' : Math.round(np99)} ms > 250`,
      );
      need(n !== undefined && n.doubled === 0, `${n?.doubled ?? '?'} doubled`);
      need(n !== undefined && n.missing === 0, `${n?.missing ?? '?'} missing`);
      need(
        report.unreachableIncidents === 0,
        `${report.unreachableIncidents ?? '?'} false "agent unreachable"`,
      );
      break;
    }
    default:
      throw new Error(`unknown scenario ${name}`);
  }
  return { met: misses.length === 0, misses };
}
