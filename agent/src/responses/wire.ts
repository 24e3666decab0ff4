import type {
  ProbeSummary as WireSummary,
  Result,
  ResponseReport as WireReport,
} from '@portwarden/proto/agent/v1';
import {
  OUTCOME_WORDS,
  RESPONSE_KIND_WORDS,
  RESPONSE_STATUS_WORDS,
  RESPONSE_VERDICT_WORDS,
} from '@portwarden/proto/agent/v1/words';
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
    verdict: RESPONSE_VERDICT_WORDS.encode(report.verdict),
    trigger: summary(report.trigger),
    attempts: report.attempts.map((a) => ({
      kind: RESPONSE_KIND_WORDS.encode(a.kind),
      target: a.target,
      status: RESPONSE_STATUS_WORDS.encode(a.status),
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
    outcome: OUTCOME_WORDS.encode(s.outcome),
    reason: s.reason ?? '',
    detail: s.detail,
    durationMs: s.durationMs,
  };
}
