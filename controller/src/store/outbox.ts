import type { IncidentEvent } from '../state/event.js';
import type { RelayStore } from '../outbox/relay.js';
import type { Sql, TransactionSql } from './db.js';

/** All SQL on the outbox: written with the state change that caused it, read by the relay. */

export async function addOutbox(
  tx: TransactionSql,
  incidentId: number,
  event: Omit<IncidentEvent, 'outboxId'>,
): Promise<void> {
  // A grouped event waits for its group's flush (store/outbox-groups.ts): it is found by these columns.
  const group = event.hold === 'grouped' ? event.grouping : undefined;
  await tx`INSERT INTO outbox (incident_id, event, payload, group_key, group_due_at)
           VALUES (${incidentId}, ${event.event}, ${tx.json(event as never)}, ${group?.key ?? null}, ${group?.dueAt ?? null})`;
}

interface OutboxRow {
  id: number;
  event: IncidentEvent['event'];
  payload: Omit<IncidentEvent, 'outboxId'>;
}

export function createOutboxStore(sql: Sql): RelayStore {
  return {
    /**
     * One transaction: locks up to `limit` pending rows in id order with `FOR UPDATE SKIP LOCKED`
     * (replicas never take the same row), hands them on, and marks them relayed. A throw rolls
     * back: the rows stay pending.
     */
    async relayPending(limit, handOn) {
      return sql.begin(async (tx) => {
        // How many channels each event goes to, from the revision it names, in this transaction:
        // a sink must not need a second connection while this one holds the rows (the quick
        // start's pool has one).
        const rows = await tx<(OutboxRow & { channelCount: number })[]>`
          SELECT o.id, o.event, o.payload,
                 coalesce(jsonb_array_length(
                   p.resolved->'alertGroups'->(o.payload->'alertGroup'->>'id')->'channels'), 0) AS channel_count
          FROM outbox o
          LEFT JOIN policy_revisions p ON p.revision = (o.payload->>'policyRevision')::bigint
          WHERE o.relayed_at IS NULL
          ORDER BY o.id
          LIMIT ${limit}
          FOR UPDATE OF o SKIP LOCKED`;
        if (rows.length === 0) return 0;
        await handOn(
          rows.map(({ channelCount, ...row }) => ({
            event: { ...row.payload, event: row.event, outboxId: row.id },
            channelCount,
          })),
        );
        await tx`UPDATE outbox SET relayed_at = now() WHERE id IN ${tx(rows.map((row) => row.id))}`;
        return rows.length;
      });
    },
  };
}

/** Outbox events by id, for queue workers: a job carries the id only. */
export function createOutboxEvents(sql: Sql) {
  return {
    async event(outboxId: number): Promise<IncidentEvent | undefined> {
      const [row] = await sql<OutboxRow[]>`SELECT id, event, payload FROM outbox WHERE id = ${outboxId}`;
      return row && { ...row.payload, event: row.event, outboxId: row.id };
    },
  };
}
