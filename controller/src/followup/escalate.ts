import { quietReason, type FollowupIncident } from './repeat.js';

export interface EscalationStep {
  afterMs: number;
  to: string;
}

/**
 * The escalation steps (by index) due now: each step whose `afterMs` has passed since the incident
 * opened and that was not taken yet, while the incident is open, unacknowledged and its firing was
 * sent (an incident held by a silence or inhibited pages nobody, so escalates to nobody).
 */
export function dueEscalations(
  incident: FollowupIncident,
  steps: readonly EscalationStep[],
  taken: readonly number[],
  now: Date,
): number[] {
  if (quietReason(incident)) return [];
  const age = now.getTime() - incident.openedAt.getTime();
  return steps.flatMap((step, index) => (age >= step.afterMs && !taken.includes(index) ? [index] : []));
}
