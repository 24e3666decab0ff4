import type { ReadinessReport } from '../health/readiness.js';
import type { MetricsCounts } from '../store/metrics-counts.js';

/** What the agent streams tell the metrics (grpc/session.ts). */
export interface IngestMetrics {
  /** A batch of `results` was committed and acknowledged `seconds` after it arrived. */
  batchAcked(results: number, seconds: number): void;
}

/** What /metrics reads at each scrape. */
export interface MetricsSources {
  /** Streams open on this replica. */
  agentsConnected(): number;
  /** The last readiness report (health/monitor.ts): made in the background, costs nothing. */
  readiness(): ReadinessReport;
  /** The aggregates read from PostgreSQL (store/metrics-counts.ts). */
  counts(): Promise<MetricsCounts>;
}
