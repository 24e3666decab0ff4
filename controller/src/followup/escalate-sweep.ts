import { POLICY_DEFAULTS, type ResolvedAlertGroup } from '@portwarden/common/policy/resolved';
import type { EventGroup } from '../state/event.js';
import { escalatedEvent } from '../state/followup-events.js';
import { dueEscalations } from './escalate.js';
import type { Sweep } from './loop.js';
import { openedBefore, type FollowupPolicy, type FollowupStore, type PendingIncident } from './types.js';

/**
 * Escalation: each due step of an open, unacknowledged incident (`dueEscalations`) sends its
 * opened event, with an `escalated` notice, to the step's group, and is recorded so that it is
 * taken once and the resolve reaches that group too.
 */
export function escalateSweep(store: FollowupStore, policy: FollowupPolicy): Sweep {
  return {
    name: 'escalate',
    async run(now) {
      const inForce = policy.current();
      if (!inForce) return 0;
      const groups = inForce.policy.alertGroups;
      const escalating = Object.values(groups).filter((group) => (group.escalate ?? []).length > 0);
      const stepsOf = (incident: PendingIncident) => groups[incident.alertGroup]!.escalate ?? [];
      const due = (incident: PendingIncident) =>
        dueEscalations(incident, stepsOf(incident), incident.escalatedSteps, now).length > 0;
      return store.transaction(async (tx) => {
        let written = 0;
        const soonest = Math.min(
          ...escalating.flatMap((group) => (group.escalate ?? []).map((s) => s.afterMs)),
        );
        for (const incident of await tx.pendingIncidents(
          escalating.map((group) => group.id),
          due,
          openedBefore(now, soonest),
        )) {
          const group = groups[incident.alertGroup]!;
          const steps = stepsOf(incident);
          for (const step of dueEscalations(incident, steps, incident.escalatedSteps, now)) {
            const to = groups[steps[step]!.to];
            const opened = to && (await tx.latestOpened(incident.id, group.id));
            if (!opened || !(await tx.markEscalated(incident.id, step, eventGroup(to), now))) continue;
            const event = escalatedEvent(
              opened,
              group,
              eventGroup(to),
              inForce.revision,
              steps[step]!.afterMs,
            );
            await tx.addOutbox(incident.id, event);
            written += 1;
          }
        }
        return written;
      });
    },
  };
}

function eventGroup(group: ResolvedAlertGroup): EventGroup {
  return {
    id: group.id,
    name: group.name,
    repeatIntervalMs: group.repeatIntervalMs ?? POLICY_DEFAULTS.repeatIntervalMs,
  };
}
