import { dueGroups, groupNotification, type PendingMember } from '../state/grouping.js';
import type { IncidentEvent } from '../state/event.js';
import type { Sweep } from './loop.js';

/** What the flush needs from storage: store/outbox-groups.ts. */
export interface GroupStore {
  flush(
    now: Date,
    decide: (pending: PendingMember[]) => {
      notification: Omit<IncidentEvent, 'outboxId'> | undefined;
      members: readonly PendingMember[];
    }[],
  ): Promise<number>;
}

/**
 * Grouping's sweep: each group whose `groupWait` has passed since its first member gets its one
 * notification, listing the members, written with the members marked flushed in one transaction.
 */
export function groupFlushSweep(store: GroupStore): Sweep {
  return {
    name: 'group-flush',
    run: (now) =>
      store.flush(now, (pending) =>
        dueGroups(pending, now).map((members) => ({ notification: groupNotification(members), members })),
      ),
  };
}
