import type { IncidentEvent } from '../state/event.js';
import type { PendingMember } from '../state/grouping.js';
import type { Sql } from './db.js';

/** The outbox's grouping SQL (migration 0012): grouped events waiting for their group's flush. */

/** At most this many waiting members are read per pass; the rest wait for the next one. */
const FLUSH_BATCH = 1000;

interface PendingRow {
  id: number;
  event: IncidentEvent['event'];
  payload: Omit<IncidentEvent, 'outboxId'>;
  resolvedAt: Date | null;
}

/** A group to write: its notification (undefined when none of its members is left) and its members. */
export interface GroupFlush {
  notification: Omit<IncidentEvent, 'outboxId'> | undefined;
  members: readonly PendingMember[];
}

export function createOutboxGroups(sql: Sql) {
  return {
    /**
     * One transaction: locks the waiting members of groups due by `now` with `FOR UPDATE SKIP LOCKED` (a replica flushing
     * at the same moment sees none of them), asks `decide` which groups to flush, writes each
     * group's notification and marks its members flushed with it. A throw rolls back: the members
     * wait for the next pass. Returns the outbox rows written.
     */
    async flush(now: Date, decide: (pending: PendingMember[]) => GroupFlush[]): Promise<number> {
      return sql.begin(async (tx) => {
        // Only the groups with a member due by `now` (which `decide` judges): a long wait in one
        // alert group never keeps another's due groups out of the batch.
        const rows = await tx<PendingRow[]>`
          SELECT o.id, o.event, o.payload, i.resolved_at
          FROM outbox o JOIN incidents i ON i.id = o.incident_id
          WHERE o.group_key IS NOT NULL AND o.group_flushed_at IS NULL
            AND o.group_key IN (
              SELECT group_key FROM outbox
              WHERE group_key IS NOT NULL AND group_flushed_at IS NULL AND group_due_at <= ${now})
          ORDER BY o.id
          LIMIT ${FLUSH_BATCH}
          FOR UPDATE OF o SKIP LOCKED`;
        const pending = rows.map((row): PendingMember => ({
          outboxId: row.id,
          event: { ...row.payload, event: row.event },
          ...(row.resolvedAt && { resolvedAt: row.resolvedAt }),
        }));
        let written = 0;
        for (const { notification, members } of decide(pending)) {
          let groupOutboxId: number | null = null;
          if (notification) {
            const [row] = await tx<{ id: number }[]>`
              INSERT INTO outbox (incident_id, event, payload)
              VALUES (${notification.incidentId}, ${notification.event}, ${tx.json(notification as never)})
              RETURNING id`;
            groupOutboxId = row!.id;
            written += 1;
          }
          await tx`
            UPDATE outbox SET group_flushed_at = now(), group_outbox_id = ${groupOutboxId}
            WHERE id IN ${tx(members.map((m) => m.outboxId))}`;
        }
        return written;
      });
    },
  };
}
