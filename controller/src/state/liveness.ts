import { LIVENESS_CHECK_ID, LIVENESS_CHECK_NAME, type EventCheck } from './event.js';
import type { CheckState, Observation, Thresholds } from './next-state.js';

/**
 * Agent liveness as a check like any other (as Sensu's keepalives are events): a missed-heartbeat
 * verdict is an observation `down`, hearing from the agent is `up`, and both go through
 * `nextState` and `bookTransition` with the check results.
 */
export const LIVENESS_THRESHOLDS: Thresholds = { failuresBeforeAlert: 1 };

export function livenessCheck(hostname: string): EventCheck {
  return { id: LIVENESS_CHECK_ID, name: LIVENESS_CHECK_NAME, host: hostname, port: 0 };
}

/** The liveness "check state" of an agent: down while an incident is open, up otherwise. */
export function livenessState(open: { openedAt: Date } | undefined, lastSeenAt: Date | null): CheckState {
  if (open)
    return {
      outcome: 'down',
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      since: open.openedAt,
      incidentOpen: true,
    };
  return {
    outcome: 'up',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    since: lastSeenAt ?? new Date(0),
    incidentOpen: false,
  };
}

export interface LivenessInput {
  /** `last_seen_at` as stored: what any replica recorded of the agent. */
  storedSeenAt: Date | null;
  /** When this process last heard from the agent (hello, heartbeat, results), if it did. */
  heardAt: Date | undefined;
  now: Date;
  silenceMs: number;
  /** Since when this process's store has answered without a failure; undefined while it does not. */
  storeUpSince: Date | undefined;
}

export type LivenessVerdict =
  /** The store failed within the window: heartbeats may not have been recorded, judge nobody yet. */
  | { verdict: 'unjudged' }
  /** This process heard the agent within the window although the store has not recorded it. */
  | { verdict: 'alive'; heardAt: Date }
  | { verdict: 'silent'; observation: Observation; detail: string };

/**
 * Judges one agent that the store shows silent for longer than `silenceMs`. It trusts what this
 * process saw over what the store holds, and after its store was unavailable it waits a full
 * window, so that heartbeats that could not be written (here or on other replicas) page nobody.
 */
export function judgeLiveness(input: LivenessInput): LivenessVerdict {
  const { now, silenceMs, storeUpSince, heardAt } = input;
  if (!storeUpSince || now.getTime() - storeUpSince.getTime() < silenceMs) return { verdict: 'unjudged' };
  if (heardAt && now.getTime() - heardAt.getTime() <= silenceMs) return { verdict: 'alive', heardAt };
  const last = latest(input.storedSeenAt, heardAt);
  return {
    verdict: 'silent',
    observation: { outcome: 'down', at: now },
    detail: last ? `no heartbeat since ${last.toISOString()}` : 'never heard from',
  };
}

function latest(a: Date | null, b: Date | undefined): Date | null {
  if (!b) return a;
  return !a || b > a ? b : a;
}
