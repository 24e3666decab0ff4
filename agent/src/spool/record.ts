import type { ProbeResult } from '../probes/probe.js';
import type { ResponseReport } from '../responses/round.js';

/** One probe's result as the agent keeps it until the controller acknowledges it. */
export interface ResultRecord extends ProbeResult {
  checkId: string;
  startedAtUnixMs: number;
  /** The agent's count of consecutive failures of the check, this one included; absent in older spools. */
  consecutiveFailures?: number;
  /** The check has responses: the controller waits for the round at the threshold. */
  responds?: boolean;
  /** The response round this result ends: what was tried and how it ended. */
  response?: ResponseReport;
}

/** A result with its per-agent sequence number: starts at 1, never reused, also across restarts. */
export interface SpooledResult extends ResultRecord {
  seq: number;
}
