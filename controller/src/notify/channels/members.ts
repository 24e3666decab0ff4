import type { IncidentEvent } from '../../state/event.js';

/**
 * The incident events a notification tells of: the event itself, or, for a group's notification,
 * one per member (each the member's own incident, under the group's outbox id, alert group and
 * revision). Channels that speak one alert per call (PagerDuty, Alertmanager's API) send each;
 * the others list them in one message.
 */
export function memberEvents(event: IncidentEvent): IncidentEvent[] {
  if (!event.members) return [event];
  const { outboxId, alertGroup, policyRevision, notice } = event;
  return event.members.map((member) => ({
    ...member,
    outboxId,
    alertGroup,
    policyRevision,
    ...(notice && { notice }),
  }));
}
