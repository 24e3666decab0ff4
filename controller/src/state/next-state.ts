import type { ResponseVerdict } from '@portwarden/common/firewall';

/**
 * The threshold and incident decision, as a pure function: no I/O, time passed in.
 * An incident opens once, when the consecutive failures reach the check's threshold ("No. Errors"),
 * and resolves once, when the consecutive successes after that reach `successesBeforeResolve`
 * (the first success, by default). A failure while it waits resets the successes and opens nothing
 * new: the incident is still open.
 *
 * A check with a response (restart a service, re-enable the firewall, ...) goes through the agent
 * first: at the threshold the agent runs the response, probes again at once and reports the round
 * with its verdict. An incident then opens only when the round did not fix it (the verification
 * failed too, or the response was denied or held back); a recovery opens none.
 */
export interface CheckState {
  outcome: 'up' | 'down';
  consecutiveFailures: number;
  /** Consecutive successes; 0 when down. */
  consecutiveSuccesses: number;
  /** When the current outcome began. */
  since: Date;
  /** Whether an incident is open for this agent and check. */
  incidentOpen: boolean;
}

export interface Observation {
  outcome: 'up' | 'down';
  at: Date;
  /** How the agent's response round ended, on the result that ends one. */
  response?: ResponseVerdict;
  /**
   * The agent runs this check's responses itself at its threshold, and will report the round. An
   * agent that does not (an older one, or one whose config has no response for the check) never
   * sends a round: nothing to wait for.
   */
  agentResponds?: boolean;
}

export interface Thresholds {
  failuresBeforeAlert: number;
  /** Consecutive successes before an open incident resolves. @default 1 */
  successesBeforeResolve?: number;
  /** The check has a response: at the threshold, the agent's round decides. @default false */
  respondsFirst?: boolean;
}

export type IncidentTransition = 'opened' | 'resolved';

export interface Decision {
  state: CheckState;
  event?: IncidentTransition;
  /** Why a failure at or past the threshold opened nothing: the agent's round is still to come, or the host is rebooting. */
  held?: 'awaiting-response' | 'rebooting';
}

export function nextState(prev: CheckState | undefined, seen: Observation, thresholds: Thresholds): Decision {
  const since = prev?.outcome === seen.outcome ? prev.since : seen.at;
  if (seen.outcome === 'up') {
    const consecutiveSuccesses = prev?.outcome === 'up' ? prev.consecutiveSuccesses + 1 : 1;
    const resolves =
      prev?.incidentOpen === true && consecutiveSuccesses >= (thresholds.successesBeforeResolve ?? 1);
    const state: CheckState = {
      outcome: 'up',
      consecutiveFailures: 0,
      consecutiveSuccesses,
      since,
      incidentOpen: prev?.incidentOpen === true && !resolves,
    };
    return resolves ? { state, event: 'resolved' } : { state };
  }
  const consecutiveFailures = (prev?.consecutiveFailures ?? 0) + 1;
  const held = prev?.incidentOpen ? undefined : holdBack(seen, thresholds);
  // A round that ended without fixing the check: the agent reached its threshold, so it counts
  // even if results in between were lost (spool gaps).
  const roundFailed = seen.response !== undefined && seen.response !== 'rebooting';
  const reached = consecutiveFailures >= thresholds.failuresBeforeAlert && held === undefined;
  const opens = !prev?.incidentOpen && (roundFailed || reached);
  const state: CheckState = {
    outcome: 'down',
    consecutiveFailures,
    consecutiveSuccesses: 0,
    since,
    incidentOpen: prev?.incidentOpen || opens,
  };
  if (opens) return { state, event: 'opened' };
  return held && consecutiveFailures >= thresholds.failuresBeforeAlert ? { state, held } : { state };
}

/** Whether a failure waits for the agent's response instead of opening an incident. */
function holdBack(seen: Observation, thresholds: Thresholds): Decision['held'] {
  if (!thresholds.respondsFirst) return undefined;
  if (seen.response === 'rebooting') return 'rebooting';
  if (seen.response === undefined && seen.agentResponds) return 'awaiting-response';
  return undefined;
}
