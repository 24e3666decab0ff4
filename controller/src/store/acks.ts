import type { AckBook, AckTarget } from '../state/acknowledge.js';
import type { Sql, TransactionSql } from './db.js';
import { latestOpenedEvent } from './followup-store.js';
import { addOutbox } from './outbox.js';

/** Acknowledgements on incidents (migration 0011), each in its own transaction. */
export function createAckStore(sql: Sql) {
  return {
    transaction: <T>(work: (book: AckBook) => Promise<T>): Promise<T> =>
      sql.begin((tx) => work(ackBook(tx))) as Promise<T>,
  };
}

function ackBook(tx: TransactionSql): AckBook {
  return {
    async lockIncident(incidentId) {
      const [row] = await tx<
        {
          id: number;
          alertGroup: string;
          resolvedAt: Date | null;
          ackedAt: Date | null;
          ackedBy: string | null;
          ackComment: string | null;
        }[]
      >`
        SELECT id, alert_group, resolved_at, acked_at, acked_by, ack_comment
        FROM incidents WHERE id = ${incidentId} FOR UPDATE`;
      if (!row) return undefined;
      const { ackedAt, ackedBy, ackComment, ...incident } = row;
      const ack: AckTarget['ack'] = ackedAt
        ? { by: ackedBy ?? '', at: ackedAt, ...(ackComment !== null && { comment: ackComment }) }
        : null;
      return { ...incident, ack };
    },

    async markAcked(incidentId, ack) {
      await tx`
        UPDATE incidents SET acked_at = ${ack.at}, acked_by = ${ack.by}, ack_comment = ${ack.comment ?? null}
        WHERE id = ${incidentId}`;
    },

    latestOpened: (incidentId, group) => latestOpenedEvent(tx, incidentId, group),

    addOutbox: (incidentId, event) => addOutbox(tx, incidentId, event),
  };
}
