import type { ResultRecord } from '../spool/record.js';

/** What the agent's /metrics reads at each scrape. */
export interface AgentMetricsSources {
  spool(): { bytes: number; gaps: { dropped: number }[] };
  /** Whether a stream to a controller is open. */
  connected(): boolean;
}

/** Told of every probe's result once it is spooled (agent.ts). */
export interface ProbeObserver {
  probed(result: Pick<ResultRecord, 'outcome' | 'reason' | 'durationMs'>): void;
}
