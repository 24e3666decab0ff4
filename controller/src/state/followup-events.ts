import { formatDuration } from '@portwarden/common/duration';
import type { EventGroup, IncidentEvent, Notice } from './event.js';

/**
 * The events that follow an incident's opening without a new result: an acknowledgement, a
 * repeat, an escalation. Each is the incident's opened event as written to the outbox (its latest
 * one for the incident's own group), with a notice and, for an escalation, another group.
 */
export type OpenedPayload = Omit<IncidentEvent, 'outboxId'>;

/**
 * The notice and target replace the opened event's. A repeat or an escalation is only written
 * for a firing that was sent, so it drops the original's hold. A follow-up is about this one
 * incident: it drops a group's members and a member's grouping (which would make the outbox row
 * wait for a group flush again).
 */
function followup(
  opened: OpenedPayload,
  notice: Notice,
  overrides: Partial<OpenedPayload> = {},
): OpenedPayload {
  const { hold: _hold, notice: _notice, grouping: _grouping, members: _members, ...rest } = opened;
  return { ...rest, ...overrides, event: 'opened', notice };
}

/**
 * `portwarden ack`: told to the incident's group (PagerDuty acknowledges, others show
 * ACKNOWLEDGED). It keeps the opened event's hold: an incident nobody was told of (inhibited,
 * flapping) is not announced by its acknowledgement. A grouped member was told, with its group.
 */
export function acknowledgedEvent(opened: OpenedPayload, by: string, comment?: string): OpenedPayload {
  const text = comment ? `Acknowledged by ${by}: ${comment}` : `Acknowledged by ${by}`;
  const event = followup(opened, { kind: 'acknowledged', by, text });
  return opened.hold && opened.hold !== 'grouped' ? { ...event, hold: opened.hold } : event;
}

/** Still firing after the group's repeat interval, read from the policy in force (`revision`). */
export function repeatEvent(
  opened: OpenedPayload,
  group: EventGroup,
  revision: number,
  repeatIntervalMs: number,
): OpenedPayload {
  const text = `Still failing after ${formatDuration(repeatIntervalMs)}`;
  return followup(opened, { kind: 'repeat', text }, { alertGroup: group, policyRevision: revision });
}

/** Not acknowledged within `afterMs`: sent to `target`, a group of policy `revision`. */
export function escalatedEvent(
  opened: OpenedPayload,
  from: EventGroup,
  target: EventGroup,
  revision: number,
  afterMs: number,
): OpenedPayload {
  const text = `Not acknowledged within ${formatDuration(afterMs)}; escalated from ${from.name}`;
  return followup(opened, { kind: 'escalated', text }, { alertGroup: target, policyRevision: revision });
}
