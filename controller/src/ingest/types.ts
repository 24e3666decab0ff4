import type { Labels } from '@portwarden/common/labels';
import type { Reason } from '@portwarden/common/reasons';
import type { Transcript } from '@portwarden/common/transcript';
import type { IncidentBook } from '../state/book.js';
import type { FlapState } from '../state/flapping.js';
import type { CheckState } from '../state/next-state.js';
import type { FirewallReport, ResponseReport } from './reports.js';

/** A result as validated at the gRPC edge. */
export interface IncomingResult {
  seq: number;
  checkId: string;
  startedAt: Date;
  durationMs: number;
  outcome: 'up' | 'down';
  reason: Reason | '';
  detail: string;
  timings: Record<string, number> | null;
  /** What the probe sent and received, bounded; absent or null when the agent sent none. */
  transcript?: Transcript | null;
  /** A firewall check's state of each profile. */
  firewall?: FirewallReport | null;
  /** The response round this result ends. */
  response?: ResponseReport | null;
  /** The agent's own count of consecutive failures of the check; 0 when up. */
  consecutiveFailures?: number;
  /** The agent runs the check's responses itself: at the threshold, wait for its round. */
  responds?: boolean;
}

export interface IngestAgent {
  id: number;
  name: string;
  hostname: string;
  labels: Labels;
}

export interface StoredCheckState extends CheckState {
  lastSeq: number;
  incidentId: number | null;
  /** Whether receivers were told the open incident fired (false: held); true when none is open. */
  firingTold: boolean;
  /** Flap detection's memory of the check. */
  flap: FlapState;
}

/** A response round to record, keyed by the result that ended it. */
export interface ResponseRecord {
  seq: number;
  checkId: string;
  checkName: string;
  startedAt: Date;
  report: ResponseReport;
  outcome: 'up' | 'down';
  reason: string;
  detail: string;
  /** The incident the round opened, if it did. */
  incidentId: number | null;
}

/** Keys of the sets and maps the store hands back. */
export const resultKey = (agentId: number, seq: number) => `${agentId}:${seq}`;
export const stateKey = (agentId: number, checkId: string) => `${agentId}:${checkId}`;

/** A check's state after a batch, with the result that left it so. */
export interface StateSave {
  agentId: number;
  checkId: string;
  state: StoredCheckState;
  last: IncomingResult;
  /** The `lastSeq` of the state the decision started from; null when there was none. */
  readSeq: number | null;
}

/** What ingest needs from storage, inside one transaction. The PostgreSQL version is in store/. */
export interface IngestTransaction extends IncidentBook {
  /** Inserts the results not stored yet, of any agents; returns the new ones as `resultKey`s. */
  insertResults(rows: { agentId: number; result: IncomingResult }[]): Promise<Set<string>>;
  /** Current state of these checks, by `stateKey`; not locked: saveStates checks it did not change. */
  readStates(keys: { agentId: number; checkId: string }[]): Promise<Map<string, StoredCheckState>>;
  /**
   * Writes these states, each row once, each only if its row still holds what was read (its
   * `readSeq`); otherwise throws StateRaceError, and the transaction is tried again.
   */
  saveStates(saves: StateSave[]): Promise<void>;
  /** Records a response round once (a replay records nothing). */
  recordResponse(agentId: number, record: ResponseRecord): Promise<void>;
}

export interface IngestStore {
  transaction<T>(work: (tx: IngestTransaction) => Promise<T>): Promise<T>;
}
