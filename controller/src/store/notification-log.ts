import type { Sql } from './db.js';
import type { NotificationLog, NotificationRecord } from '../notify/nflog.js';

/** Error text kept per row; the interesting part (status, body start) comes first. */
const MAX_ERROR_CHARS = 1000;

/** The `notifications` table of migration 0001. */
export function createPgNotificationLog(sql: Sql): NotificationLog {
  return {
    async find(outboxId, channelKey) {
      const rows = await sql<(Omit<NotificationRecord, 'error'> & { error: string | null })[]>`
        SELECT outbox_id AS "outboxId", channel_key AS "channelKey", status, attempts, error
        FROM notifications WHERE outbox_id = ${outboxId} AND channel_key = ${channelKey}`;
      const row = rows[0];
      if (!row) return undefined;
      const { error, ...rest } = row;
      return error === null ? rest : { ...rest, error };
    },
    async record(entry) {
      const error = entry.error?.slice(0, MAX_ERROR_CHARS) ?? null;
      const rows = await sql`
        INSERT INTO notifications (outbox_id, channel_key, status, attempts, error)
        VALUES (${entry.outboxId}, ${entry.channelKey}, ${entry.status}, ${entry.attempts}, ${error})
        ON CONFLICT (outbox_id, channel_key) DO NOTHING
        RETURNING id`;
      return rows.length === 1;
    },
  };
}
