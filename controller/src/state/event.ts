import type { Labels } from '@portwarden/common/labels';
import type { ResponseAttempt, ResponseReport } from '../ingest/reports.js';

/**
 * Everything a channel needs to tell people about one incident event, snapshotted when the state
 * changed so that delivery never depends on the policy or the agent as they are later.
 * Stored as the outbox row's payload without `outboxId`, which the relay fills in from the row id.
 * Built only here (`incidentEvent`), for check results and agent liveness alike.
 */
export interface IncidentEvent {
  outboxId: number;
  event: 'opened' | 'resolved';
  incidentId: number;
  /** A firewall check has `kind: 'firewall'`, the agent's host name as `host` and port 0. */
  check: EventCheck;
  agent: { name: string; hostname: string; labels: Labels };
  /** Who is told: the group's id and name only. Its channels are looked up when sending. */
  alertGroup: EventGroup;
  /**
   * The policy revision whose alert group routes the event: delivery reads the group's channels
   * from it, so that neither the outbox row nor a queue job ever holds a channel's config.
   */
  policyRevision: number;
  /** Why the check failed (the result that opened the incident). */
  reason: string;
  detail: string;
  consecutiveFailures: number;
  /** ISO 8601, the controller's clock: when the incident opened. */
  startsAt: string;
  /** ISO 8601, the controller's clock: when it resolved; absent while firing. Never before `startsAt`. */
  endsAt?: string;
  /**
   * ISO 8601, the agent's clock: when the probe behind this event ran, present only when it is more
   * than `SHOWN_CLOCK_SKEW_MS` away from the controller's time of the event (a skewed agent clock,
   * or a result replayed from the agent's spool).
   */
  probedAt?: string;
  /** What the agent tried before the incident opened, and how it ended; absent when nothing was tried. */
  response?: IncidentResponse;
  /**
   * Set on an event that is not the plain opening or resolve of the incident (a repeat, an
   * escalation, an acknowledgement, ...): channels show its headline and text.
   */
  notice?: Notice;
  /**
   * The event is recorded in the notification log with this status and not sent (an incident
   * inhibited by its agent's unreachability, a flapping check). Set by the state stage.
   */
  hold?: HoldReason;
  /**
   * Grouping (state/grouping.ts): on a member (`hold: 'grouped'`), its group and when the group is
   * due; on the group's notification, the same group. Absent when the alert group does not group.
   */
  grouping?: EventGrouping;
  /**
   * A group's one notification: every incident it tells of, the first firing one's details also
   * being the event's own. Absent on an event about one incident.
   */
  members?: EventMember[];
}

/** Why the state stage records an event without sending it; the notification's status. */
export type HoldReason = 'inhibited' | 'flapping' | 'grouped';

/** Which group a grouped event belongs to. */
export interface EventGrouping {
  /** `ops:{agent="web-1"}`: the alert group and the grouped values (`groupKey`). */
  key: string;
  /** The grouped values by `groupBy` name: `{agent: 'web-1'}`; `check` holds the check id. */
  labels: Record<string, string>;
  /** ISO 8601: when the group is told, `groupWait` after its member opened. */
  dueAt: string;
}

/** One incident of a group's notification: what an event says of its incident. */
export type EventMember = Pick<
  IncidentEvent,
  | 'event'
  | 'incidentId'
  | 'check'
  | 'agent'
  | 'reason'
  | 'detail'
  | 'consecutiveFailures'
  | 'startsAt'
  | 'endsAt'
  | 'probedAt'
  | 'response'
>;

/** An alert group's `groupBy` and `groupWait`, as the state stage applies them (state/grouping.ts). */
export interface GroupingRule {
  /** `agent`, `check` or an agent label's name. */
  by: readonly string[];
  waitMs: number;
}

export type NoticeKind = 'repeat' | 'escalated' | 'acknowledged' | 'flapping' | 'released';

/** What makes an event more than "opened" or "resolved". */
export interface Notice {
  kind: NoticeKind;
  /** One sentence for people, e.g. `Not acknowledged within 15m; escalated from Ops.` */
  text: string;
  /** Who did it (an API token's name), for acknowledgements. */
  by?: string;
}

/** The headline word(s) of an event, e.g. `FIRING`, `RESOLVED`, `ACKNOWLEDGED`. */
export function eventHeadline(event: Pick<IncidentEvent, 'event' | 'notice'>): string {
  if (event.event === 'resolved') return 'RESOLVED';
  return event.notice ? NOTICE_HEADLINES[event.notice.kind] : 'FIRING';
}

const NOTICE_HEADLINES: Record<NoticeKind, string> = {
  repeat: 'STILL FIRING',
  escalated: 'ESCALATED',
  acknowledged: 'ACKNOWLEDGED',
  flapping: 'FLAPPING',
  released: 'FIRING',
};

export interface EventGroup {
  id: string;
  name: string;
  /**
   * The group's repeat interval when the event was written: how often a firing incident is sent
   * again, so how long a channel that expires alerts (Alertmanager) must keep this one.
   */
  repeatIntervalMs?: number;
}

export interface EventCheck {
  id: string;
  name: string;
  host: string;
  port: number;
  kind?: 'firewall';
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

/** An agent's probe time is shown beside the controller's only past this much difference. */
export const SHOWN_CLOCK_SKEW_MS = 5_000;

/** Who and what an incident is about, and who is told. */
export interface Subject {
  agent: { id: number; name: string; hostname: string; labels: Labels };
  check: EventCheck;
  /** Undefined: the incident is recorded and nobody is told (liveness without an alert group). */
  group: EventGroup | undefined;
  /** The revision `group` comes from. */
  policyRevision: number;
  /** How `group` groups its firing incidents; absent: each is told at once. */
  grouping?: GroupingRule;
}

/** Why an incident opened, as recorded on it. */
export interface Cause {
  reason: string;
  detail: string;
  /** The response round that failed to fix it, if one ran. */
  response?: IncidentResponse;
}

export interface EventInput {
  event: 'opened' | 'resolved';
  incidentId: number;
  cause: Cause;
  consecutiveFailures: number;
  openedAt: Date;
  resolvedAt?: Date;
  /** The agent's time of the result behind the event; absent for liveness, which the controller judges. */
  probedAt?: Date;
}

export function incidentEvent(
  { agent, check, group, policyRevision }: Subject & { group: EventGroup },
  input: EventInput,
): Omit<IncidentEvent, 'outboxId'> {
  const bookedAt = input.resolvedAt ?? input.openedAt;
  const skewed =
    input.probedAt && Math.abs(input.probedAt.getTime() - bookedAt.getTime()) > SHOWN_CLOCK_SKEW_MS;
  return {
    event: input.event,
    incidentId: input.incidentId,
    check,
    agent: { name: agent.name, hostname: agent.hostname, labels: agent.labels },
    // Picked, not spread: a resolved alert group carries its channels, which never go in an event.
    alertGroup: {
      id: group.id,
      name: group.name,
      ...(group.repeatIntervalMs !== undefined && { repeatIntervalMs: group.repeatIntervalMs }),
    },
    policyRevision,
    reason: input.cause.reason,
    detail: input.cause.detail,
    consecutiveFailures: input.consecutiveFailures,
    startsAt: input.openedAt.toISOString(),
    ...(input.resolvedAt && { endsAt: input.resolvedAt.toISOString() }),
    ...(skewed && { probedAt: input.probedAt!.toISOString() }),
    ...(input.cause.response && { response: input.cause.response }),
  };
}
