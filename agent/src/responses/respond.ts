import type { FirewallReport } from '../probes/firewall/report.js';
import type { ResponseVerdict } from '@portwarden/common/firewall';
import type { Reason } from '@portwarden/common/reasons';
import type { AuditedCheck } from './audit.js';
import type { Responder } from './executor.js';
import type { ResponseOutcome } from './outcome.js';
import type { ResponseSpec } from './spec.js';

/** The part of a probe result `respond` reads and rewrites; port and firewall results both fit. */
export interface CheckResult {
  outcome: 'up' | 'down';
  reason?: Reason;
  detail: string;
  firewall?: FirewallReport;
}

export interface Attempt<R extends CheckResult> {
  response: ResponseOutcome;
  /** The check probed again right after the response; absent when nothing ran or the host is rebooting. */
  verification?: R;
}

export interface RespondOutcome<R extends CheckResult> {
  check: AuditedCheck;
  /** The result that reached the threshold. */
  trigger: R;
  attempts: Attempt<R>[];
  /**
   * `recovered`: a verification came back up; no incident. `failed`: every response ran and the
   * check is still down. `denied` / `suppressed`: a response was not run (local config, reboot
   * guard, Group Policy); the alert goes ahead. `rebooting`: the host is going down; the next
   * start of the agent probes again. `none`: no response configured.
   */
  verdict: ResponseVerdict;
  /**
   * The result to report for this round: the last verification; or, when a response was held
   * back, the last result with the reason `response-denied` / `reboot-suppressed` (or
   * `gpo-override`) and a detail that keeps what the check saw.
   */
  result: R;
}

/**
 * The sequence after a check reaches its threshold: run the first response, probe the check again
 * at once, and stop when it is up; otherwise escalate to the next response (a firewall check in
 * `enable-or-reboot` mode: re-enable, then reboot). A response held back ends the sequence: there
 * is no escalation past a "no". Never throws (the responder and probes never do).
 */
export async function respond<R extends CheckResult>(
  check: AuditedCheck,
  trigger: R,
  probe: () => Promise<R>,
  responses: readonly ResponseSpec[],
  responder: Responder,
): Promise<RespondOutcome<R>> {
  const attempts: Attempt<R>[] = [];
  const done = (verdict: RespondOutcome<R>['verdict'], result: R) => ({
    check,
    trigger,
    attempts,
    verdict,
    result,
  });
  let last = trigger;
  for (const response of responses) {
    const outcome = await responder.execute(response, { check, last });
    const attempt: Attempt<R> = { response: outcome };
    attempts.push(attempt);
    if (outcome.status === 'denied' || outcome.status === 'suppressed') {
      const reason = outcome.reason ?? 'response-denied';
      return done(outcome.status, {
        ...last,
        reason,
        detail: `${outcome.detail}; the check: ${describe(last)}`,
      });
    }
    if (response.kind === 'reboot' && outcome.status === 'done') {
      return done('rebooting', { ...last, detail: `${outcome.detail}; the check: ${describe(last)}` });
    }
    last = await probe();
    attempt.verification = last;
    if (last.outcome === 'up') return done('recovered', last);
  }
  return done(attempts.length === 0 ? 'none' : 'failed', last);
}

function describe(result: CheckResult): string {
  return result.reason ? `${result.reason}: ${result.detail}` : result.detail;
}
