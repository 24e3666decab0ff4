import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { EventGroup } from '../state/event.js';
import type { OpenedPayload } from '../state/followup-events.js';
import type { FollowupIncident } from './repeat.js';

/** The policy in force: which groups repeat and escalate, and the revision follow-ups are read from. */
export interface FollowupPolicy {
  current(): { revision: number; policy: ResolvedPolicy } | undefined;
}

/**
 * The latest opening a follow-up due `afterMs` after its incident's firing can belong to. Firings
 * are sent after their incident opened, but opened_at is a controller's clock and the sending
 * time PostgreSQL's: a minute of slack covers replicas whose clocks differ.
 */
export function openedBefore(now: Date, afterMs: number): Date {
  return new Date(now.getTime() - afterMs + CLOCK_SLACK_MS);
}
const CLOCK_SLACK_MS = 60_000;

/** An open, unacknowledged incident of one of the groups asked for, locked for this transaction. */
export interface PendingIncident extends FollowupIncident {
  id: number;
  alertGroup: string;
  /** Indices of the escalation steps already taken. */
  escalatedSteps: number[];
}

/** What the sweeps need of storage inside one transaction; store/followup-store.ts. */
export interface FollowupTx {
  /**
   * Open, unacknowledged incidents of `groups` that are `due`, locked `FOR UPDATE SKIP LOCKED`
   * and read again after the lock: a replica sweeping at the same time skips them, and sees what
   * this one wrote once it commits. Only the due ones are locked, so that ingest, which resolves
   * incidents, never waits for a sweep that has nothing to do with most of them.
   */
  pendingIncidents(
    groups: readonly string[],
    due: (incident: PendingIncident) => boolean,
    /** None opened later can be due (`openedBefore`): they are not even read. */
    openedBefore: Date,
  ): Promise<PendingIncident[]>;
  /** The incident's latest opened event for its own group, as written to the outbox. */
  latestOpened(incidentId: number, group: string): Promise<OpenedPayload | undefined>;
  addOutbox(incidentId: number, event: OpenedPayload): Promise<void>;
  /** Records that step `step` went to `group`; false when it was already taken. */
  markEscalated(incidentId: number, step: number, group: EventGroup, at: Date): Promise<boolean>;
}

export interface FollowupStore {
  transaction<T>(work: (tx: FollowupTx) => Promise<T>): Promise<T>;
}
