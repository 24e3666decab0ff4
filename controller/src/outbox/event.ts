import type { Labels } from '@portwarden/common/labels';
import type { ResolvedAlertGroup } from '@portwarden/common/policy/resolved';
import type { ResponseAttempt, ResponseReport } from '../ingest/reports.js';

/**
 * Everything a channel needs to tell people about one incident event, snapshotted when the state
 * changed so that delivery never depends on the policy or the agent as they are later.
 * Stored as the outbox row's payload without `outboxId`, which the relay fills in from the row id.
 */
export interface IncidentEvent {
  outboxId: number;
  event: 'opened' | 'resolved';
  incidentId: number;
  /** A firewall check has `kind: 'firewall'`, the agent's host name as `host` and port 0. */
  check: { id: string; name: string; host: string; port: number; kind?: 'firewall' };
  agent: { name: string; hostname: string; labels: Labels };
  alertGroup: ResolvedAlertGroup;
  /** Why the check failed (the result that opened the incident). */
  reason: string;
  detail: string;
  consecutiveFailures: number;
  /** ISO 8601: when the incident opened. */
  startsAt: string;
  /** ISO 8601: when it resolved; absent while firing. */
  endsAt?: string;
  /** What the agent tried before the incident opened, and how it ended; absent when nothing was tried. */
  response?: IncidentResponse;
}

/** A response round as a notification tells it: the commands are left to the API and the audit log. */
export type IncidentResponse = Omit<ResponseReport, 'attempts'> & {
  attempts: Omit<ResponseAttempt, 'commands'>[];
};

export function incidentResponse(report: ResponseReport): IncidentResponse {
  return { ...report, attempts: report.attempts.map(({ commands: _commands, ...attempt }) => attempt) };
}

/** The check id of "agent unreachable" incidents; policy check ids cannot contain '@'. */
export const LIVENESS_CHECK_ID = '@liveness';
export const LIVENESS_CHECK_NAME = 'Agent unreachable';
