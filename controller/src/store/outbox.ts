import type { IncidentEvent } from '../state/event.js';
import type { Sql, TransactionSql } from './db.js';

/** All SQL on the outbox: written with the state change that caused it, read by the relay. */

export async function addOutbox(
  tx: TransactionSql,
  incidentId: number,
  event: Omit<IncidentEvent, 'outboxId'>,
): Promise<void> {
  await tx`INSERT INTO outbox (incident_id, event, payload) VALUES (${incidentId}, ${event.event}, ${tx.json(event as never)})`;
}

interface OutboxRow {
  id: number;
  event: IncidentEvent['event'];
  payload: Omit<IncidentEvent, 'outboxId'>;
}

export function createOutboxStore(sql: Sql) {
  return {
    /**
     * One transaction: locks up to `limit` pending rows in id order with `FOR UPDATE SKIP LOCKED`
     * (replicas never take the same row), hands each on, and marks them relayed. A throw rolls
     * back: the rows stay pending.
     */
    async relayPending(limit: number, handOn: (event: IncidentEvent) => Promise<void>): Promise<number> {
      return sql.begin(async (tx) => {
        const rows = await tx<OutboxRow[]>`
          SELECT id, event, payload FROM outbox
          WHERE relayed_at IS NULL
          ORDER BY id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED`;
        for (const row of rows) await handOn({ ...row.payload, event: row.event, outboxId: row.id });
        if (rows.length > 0)
          await tx`UPDATE outbox SET relayed_at = now() WHERE id IN ${tx(rows.map((row) => row.id))}`;
        return rows.length;
      });
    },
  };
}
