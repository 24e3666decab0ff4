import type { ResponseKind, ResponseStatus, ResponseVerdict } from '@portwarden/common/firewall';
import {
  Outcome,
  ResponseKind as WireKind,
  ResponseStatus as WireStatus,
  ResponseVerdict as WireVerdict,
  type ProbeSummary as WireSummary,
  type Result,
  type ResponseReport as WireReport,
} from '@portwarden/proto/agent/v1';
import { toProtoFirewallReport } from '../probes/firewall/wire.js';
import type { ResultRecord } from '../spool/spool.js';
import type { ProbeSummary, ResponseReport } from './round.js';

/** The parts of a Result that firewall checks and response rounds add. */
export function toProtoResultParts(
  result: Pick<ResultRecord, 'firewall' | 'response' | 'consecutiveFailures' | 'responds'>,
): Pick<Result, 'firewall' | 'response' | 'consecutiveFailures' | 'responds'> {
  return {
    consecutiveFailures: result.consecutiveFailures ?? 0,
    responds: result.responds ?? false,
    ...(result.firewall && { firewall: toProtoFirewallReport(result.firewall) }),
    ...(result.response && { response: toProtoResponseReport(result.response) }),
  };
}

export function toProtoResponseReport(report: ResponseReport): WireReport {
  return {
    verdict: VERDICTS[report.verdict],
    trigger: summary(report.trigger),
    attempts: report.attempts.map((a) => ({
      kind: KINDS[a.kind],
      target: a.target,
      status: STATUSES[a.status],
      reason: a.reason ?? '',
      detail: a.detail,
      startedAtUnixMs: a.startedAtUnixMs,
      durationMs: a.durationMs,
      ...(a.verification && { verification: summary(a.verification) }),
      commands: a.commands.map((c) => ({
        argv: c.argv,
        ...(c.exitCode !== null && { exitCode: c.exitCode }),
        timedOut: c.timedOut,
        spawnError: c.spawnError ?? '',
        durationMs: c.durationMs,
        output: c.output,
      })),
    })),
  };
}

function summary(s: ProbeSummary): WireSummary {
  return {
    outcome: s.outcome === 'up' ? Outcome.OUTCOME_UP : Outcome.OUTCOME_DOWN,
    reason: s.reason ?? '',
    detail: s.detail,
    durationMs: s.durationMs,
  };
}

const VERDICTS: Record<ResponseVerdict, WireVerdict> = {
  recovered: WireVerdict.RESPONSE_VERDICT_RECOVERED,
  failed: WireVerdict.RESPONSE_VERDICT_FAILED,
  denied: WireVerdict.RESPONSE_VERDICT_DENIED,
  suppressed: WireVerdict.RESPONSE_VERDICT_SUPPRESSED,
  rebooting: WireVerdict.RESPONSE_VERDICT_REBOOTING,
  none: WireVerdict.RESPONSE_VERDICT_NONE,
};

const KINDS: Record<ResponseKind, WireKind> = {
  'restart-service': WireKind.RESPONSE_KIND_RESTART_SERVICE,
  'run-program': WireKind.RESPONSE_KIND_RUN_PROGRAM,
  'firewall-enable': WireKind.RESPONSE_KIND_FIREWALL_ENABLE,
  reboot: WireKind.RESPONSE_KIND_REBOOT,
};

const STATUSES: Record<ResponseStatus, WireStatus> = {
  done: WireStatus.RESPONSE_STATUS_DONE,
  failed: WireStatus.RESPONSE_STATUS_FAILED,
  denied: WireStatus.RESPONSE_STATUS_DENIED,
  suppressed: WireStatus.RESPONSE_STATUS_SUPPRESSED,
};
