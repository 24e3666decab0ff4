import type { ResponseVerdict } from '@portwarden/common/firewall';
import type { CheckSpec } from '../config/config.js';
import type { ProbeResult } from '../probes/probe.js';
import { auditedCheck } from './audit.js';
import type { Responder } from './executor.js';
import type { ResponseOutcome } from './outcome.js';
import { respond, type CheckResult, type RespondOutcome } from './respond.js';

/** A probe result reduced to what a response report keeps of it. */
export interface ProbeSummary {
  outcome: 'up' | 'down';
  reason?: ProbeResult['reason'];
  detail: string;
  durationMs: number;
}

/** What a response round did, as the agent spools it and reports it to the controller. */
export interface ResponseReport {
  verdict: ResponseVerdict;
  /** The result that reached the threshold, before anything ran. */
  trigger: ProbeSummary;
  attempts: (ResponseOutcome & { verification?: ProbeSummary })[];
}

/** One round's result: the probe's, or the round's when it ran the responses. */
export type RoundResult = ProbeResult & {
  /** The agent's count of consecutive failures of this check, this result included; 0 when up. */
  consecutiveFailures: number;
  /** The check has responses: at the threshold a round runs, and the controller waits for it. */
  responds: boolean;
  /** Present when this round ran the check's responses. */
  response?: ResponseReport;
};

export interface RoundDeps {
  probe(check: CheckSpec, signal: AbortSignal): Promise<ProbeResult>;
  responder: Responder;
}

/**
 * One scheduled run of a check: probe, count consecutive failures, and when the count reaches the
 * check's threshold, run its responses (`respond`: respond, probe again at once, escalate) and
 * report the round as one result carrying what was tried and how it ended. Responses run once per
 * failure streak: the count goes on past the threshold and starts over at the first success.
 *
 * Counts live in memory, per check object: a changed check is a new object for the scheduler, so
 * its count starts over; so does an agent restart.
 */
export function createRounds(deps: RoundDeps) {
  const counts = new WeakMap<CheckSpec, number>();
  return async (check: CheckSpec, signal: AbortSignal): Promise<RoundResult> => {
    const first = await deps.probe(check, signal);
    const count = first.outcome === 'up' ? 0 : (counts.get(check) ?? 0) + 1;
    counts.set(check, count);
    const responds = check.responses.length > 0;
    if (count !== check.failuresBeforeAlert || !responds || signal.aborted)
      return { ...first, consecutiveFailures: count, responds };
    const outcome = await respond<ProbeResult>(
      auditedCheck(check),
      first,
      () => deps.probe(check, signal),
      check.responses,
      deps.responder,
    );
    const after = outcome.result.outcome === 'up' ? 0 : count;
    // A reboot was issued: after it, the count starts over anyway. If the host does not go down
    // (the reboot aborted), starting over here makes the next streak respond again, where the
    // reboot guard holds a second reboot back and the alert goes out, instead of silence.
    counts.set(check, outcome.verdict === 'rebooting' ? 0 : after);
    return { ...outcome.result, consecutiveFailures: after, responds, response: responseReport(outcome) };
  };
}

export function responseReport(
  outcome: RespondOutcome<CheckResult & { durationMs?: number }>,
): ResponseReport {
  return {
    verdict: outcome.verdict,
    trigger: summary(outcome.trigger),
    attempts: outcome.attempts.map(({ response, verification }) =>
      verification ? { ...response, verification: summary(verification) } : { ...response },
    ),
  };
}

function summary(result: CheckResult & { durationMs?: number }): ProbeSummary {
  return {
    outcome: result.outcome,
    ...(result.reason && { reason: result.reason }),
    detail: result.detail,
    durationMs: result.durationMs ?? 0,
  };
}
