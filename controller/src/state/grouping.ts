import type { ResolvedAlertGroup } from '@portwarden/common/policy/resolved';
import type { EventGrouping, EventMember, GroupingRule, IncidentEvent, Subject } from './event.js';

/**
 * Grouping (an alert group's `groupBy` and `groupWait`): the firing event of an incident in a
 * grouped alert group is booked held (`hold: 'grouped'`, recorded as `grouped` in the notification
 * log and not sent) with its group key and the time its group is due. The group flush
 * (`followup/group-flush.ts`) later writes one event per group key that lists the members. All the
 * decisions are here, pure: the key, whether an event is grouped, when a group is due, the group's
 * event. See docs/decisions/2026-12-07-grouping.md.
 */

/** The rule of an alert group; undefined: every incident is told at once (the default). */
export function groupingRule(group: ResolvedAlertGroup | undefined): GroupingRule | undefined {
  return group?.grouping && { by: group.grouping.by, waitMs: group.grouping.waitMs };
}

/**
 * The values an incident is grouped by: `agent` is the agent's name, `check` the check's id, any
 * other name the agent's label of that name (`''` when it has none, as Alertmanager groups a
 * missing label with the empty one).
 */
export function groupLabels(
  by: readonly string[],
  subject: Pick<Subject, 'agent' | 'check'>,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of [...by].sort()) {
    labels[name] =
      name === 'agent'
        ? subject.agent.name
        : name === 'check'
          ? subject.check.id
          : (subject.agent.labels[name] ?? '');
  }
  return labels;
}

/** `ops:{agent="web-1",role="db"}`: the alert group and the grouped values, in a stable order. */
export function groupKey(alertGroupId: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `${alertGroupId}:{${pairs.join(',')}}`;
}

/**
 * The opened event as booked: held for its group when the alert group groups, unless something
 * else already holds it or it is more than a plain opening (a notice). Resolves are never grouped:
 * they are told at once, each on its own.
 */
export function withGrouping<E extends Omit<IncidentEvent, 'outboxId'>>(
  event: E,
  subject: Pick<Subject, 'agent' | 'check'>,
  rule: GroupingRule | undefined,
  at: Date,
): E {
  if (!rule || event.event !== 'opened' || event.hold || event.notice) return event;
  const labels = groupLabels(rule.by, subject);
  const grouping: EventGrouping = {
    key: groupKey(event.alertGroup.id, labels),
    labels,
    dueAt: new Date(at.getTime() + rule.waitMs).toISOString(),
  };
  return { ...event, hold: 'grouped', grouping };
}

/** A grouped event not yet flushed, as the flush reads it (locked) from the outbox. */
export interface PendingMember {
  outboxId: number;
  event: Omit<IncidentEvent, 'outboxId'>;
  /** When the member's incident resolved, if it did before its group was flushed. */
  resolvedAt?: Date;
}

/**
 * The pending members whose group is due at `now`, one list per group key, oldest first: a group
 * is due once its earliest member's `dueAt` has passed (its first member opened `groupWait` ago).
 * Members of groups still gathering are left out.
 */
export function dueGroups(pending: readonly PendingMember[], now: Date): PendingMember[][] {
  const byKey = new Map<string, PendingMember[]>();
  for (const member of [...pending].sort((a, b) => a.outboxId - b.outboxId)) {
    const key = member.event.grouping?.key ?? `#${member.outboxId}`;
    byKey.set(key, [...(byKey.get(key) ?? []), member]);
  }
  return [...byKey.values()].filter((members) => dueAt(members) <= now.getTime());
}

function dueAt(members: readonly PendingMember[]): number {
  // A member without a due time (a corrupt payload) is due at once rather than never.
  return Math.min(...members.map((m) => Date.parse(m.event.grouping?.dueAt ?? '') || 0));
}

/**
 * The one notification of a due group: the members still held for it (an event held for another
 * reason since, say an inhibition, is left out), each with its incident's resolve when it resolved
 * meanwhile. The event's own fields are its first firing member's, so that a channel that shows
 * one incident shows a real one; `members` lists them all. Undefined when no member is left.
 */
export function groupNotification(
  members: readonly PendingMember[],
): Omit<IncidentEvent, 'outboxId'> | undefined {
  const held = members.filter((m) => m.event.hold === 'grouped' && m.event.grouping);
  if (held.length === 0) return undefined;
  const listed = held.map(member);
  const at = Math.max(
    0,
    listed.findIndex((m) => m.event === 'opened'),
  );
  const first = held[0]!.event.grouping!;
  const { hold: _hold, grouping: _grouping, endsAt: _endsAt, ...rest } = held[at]!.event;
  const lead = listed[at]!;
  return {
    ...rest,
    event: lead.event,
    ...(lead.endsAt && { endsAt: lead.endsAt }),
    // The newest revision routes the group: it is the policy its last member was booked under.
    policyRevision: Math.max(...held.map((m) => m.event.policyRevision)),
    grouping: { key: first.key, labels: first.labels, dueAt: first.dueAt },
    members: listed,
  };
}

function member({ event, resolvedAt }: PendingMember): EventMember {
  const resolved = resolvedAt && new Date(Math.max(resolvedAt.getTime(), Date.parse(event.startsAt)));
  return {
    event: resolved ? 'resolved' : 'opened',
    incidentId: event.incidentId,
    check: event.check,
    agent: event.agent,
    reason: event.reason,
    detail: event.detail,
    consecutiveFailures: event.consecutiveFailures,
    startsAt: event.startsAt,
    ...(resolved && { endsAt: resolved.toISOString() }),
    ...(event.probedAt && { probedAt: event.probedAt }),
    ...(event.response && { response: event.response }),
  };
}
