import { POLICY_DEFAULTS } from '@portwarden/common/policy/resolved';
import { repeatEvent } from '../state/followup-events.js';
import type { Sweep } from './loop.js';
import { decideRepeat } from './repeat.js';
import { openedBefore, type FollowupPolicy, type FollowupStore, type PendingIncident } from './types.js';

/**
 * Repeats: every open, unacknowledged incident of a group in the policy in force whose firing is
 * due again (`decideRepeat`) gets an opened event with a `repeat` notice for its group.
 */
export function repeatSweep(store: FollowupStore, policy: FollowupPolicy): Sweep {
  return {
    name: 'repeat',
    async run(now) {
      const inForce = policy.current();
      if (!inForce) return 0;
      const groups = inForce.policy.alertGroups;
      const intervalOf = (incident: Pick<PendingIncident, 'alertGroup'>) =>
        groups[incident.alertGroup]!.repeatIntervalMs ?? POLICY_DEFAULTS.repeatIntervalMs;
      const due = (incident: PendingIncident) => decideRepeat(incident, intervalOf(incident), now).repeat;
      return store.transaction(async (tx) => {
        let written = 0;
        const shortest = Math.min(...Object.keys(groups).map((id) => intervalOf({ alertGroup: id })));
        for (const incident of await tx.pendingIncidents(
          Object.keys(groups),
          due,
          openedBefore(now, shortest),
        )) {
          const group = groups[incident.alertGroup]!;
          const intervalMs = intervalOf(incident);
          const opened = await tx.latestOpened(incident.id, group.id);
          if (!opened) continue;
          const target = { id: group.id, name: group.name, repeatIntervalMs: intervalMs };
          await tx.addOutbox(incident.id, repeatEvent(opened, target, inForce.revision, intervalMs));
          written += 1;
        }
        return written;
      });
    },
  };
}
