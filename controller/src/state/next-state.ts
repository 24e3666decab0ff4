/**
 * The threshold and incident decision, as a pure function: no I/O, time passed in.
 * An incident opens once, when the consecutive failures reach the check's threshold ("No. Errors"),
 * and resolves once, on the first success after that.
 */
export interface CheckState {
  outcome: 'up' | 'down';
  consecutiveFailures: number;
  /** When the current outcome began. */
  since: Date;
  /** Whether an incident is open for this agent and check. */
  incidentOpen: boolean;
}

export interface Observation {
  outcome: 'up' | 'down';
  at: Date;
}

export type IncidentTransition = 'opened' | 'resolved';

export interface Decision {
  state: CheckState;
  event?: IncidentTransition;
}

export function nextState(
  prev: CheckState | undefined,
  seen: Observation,
  failuresBeforeAlert: number,
): Decision {
  const since = prev?.outcome === seen.outcome ? prev.since : seen.at;
  if (seen.outcome === 'up') {
    const state: CheckState = { outcome: 'up', consecutiveFailures: 0, since, incidentOpen: false };
    return prev?.incidentOpen ? { state, event: 'resolved' } : { state };
  }
  const consecutiveFailures = (prev?.consecutiveFailures ?? 0) + 1;
  const opens = !prev?.incidentOpen && consecutiveFailures >= failuresBeforeAlert;
  const state: CheckState = {
    outcome: 'down',
    consecutiveFailures,
    since,
    incidentOpen: prev?.incidentOpen || opens,
  };
  return opens ? { state, event: 'opened' } : { state };
}
