import type { Sql } from './db.js';
import type { UndeliveredPair } from '../followup/reconcile.js';
import type { DeliveryStatus, NotificationLog, NotificationRecord } from '../notify/nflog.js';

/** Error text kept per row; the interesting part (status, body start) comes first. */
const MAX_ERROR_CHARS = 1000;

/** The `notifications` table (migrations 0001, 0007, 0008). */
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
      // Only a `retrying` row is ever overwritten; a final one stays (nflog.ts). Attempts add up
      // across re-enqueues (a reconciled job counts from 1 again); a hold made no attempt.
      const rows = await sql`
        INSERT INTO notifications (outbox_id, channel_key, status, attempts, error)
        VALUES (${entry.outboxId}, ${entry.channelKey}, ${entry.status}, ${entry.attempts}, ${error})
        ON CONFLICT (outbox_id, channel_key) DO UPDATE SET
          status = EXCLUDED.status,
          attempts = CASE WHEN EXCLUDED.attempts = 0 THEN notifications.attempts
                          ELSE greatest(notifications.attempts + 1, EXCLUDED.attempts) END,
          error = EXCLUDED.error,
          updated_at = now()
        WHERE notifications.status = 'retrying'
        RETURNING id`;
      return rows.length === 1;
    },
  };
}

/**
 * Each outbox event's channels from the policy revision it names (as the relay counts them,
 * store/outbox.ts), one row per channel with its index, kind and notification-log key. The key
 * is notify/keys.ts `channelKey` (`<group>#<index>:<kind>`) spelt in SQL so that "no row yet" is
 * a join; notification-log.test.ts holds the two spellings together.
 */
const outboxChannels = (sql: Sql) => sql`
  SELECT o.id AS outbox_id, o.incident_id, o.event, o.payload, o.created_at, o.relayed_at,
         o.payload->'alertGroup'->>'id' AS alert_group, c.ordinality - 1 AS channel_index,
         k.kind, (o.payload->'alertGroup'->>'id') || '#' || (c.ordinality - 1) || ':' || k.kind AS channel_key
  FROM outbox o
  JOIN policy_revisions p ON p.revision = (o.payload->>'policyRevision')::bigint
  CROSS JOIN LATERAL jsonb_array_elements(
    coalesce(p.resolved->'alertGroups'->(o.payload->'alertGroup'->>'id')->'channels', '[]'::jsonb)
  ) WITH ORDINALITY AS c(doc, ordinality)
  CROSS JOIN LATERAL (SELECT min(key) AS kind FROM jsonb_object_keys(c.doc) AS key) k`;

export interface DeliveryRow {
  /** The notification row's id; null while pending. */
  id: number | null;
  incidentId: number;
  outboxId: number;
  event: 'opened' | 'resolved';
  /** The event's notice (repeat, escalated, ...), when it is one. */
  notice: string | null;
  alertGroup: string;
  channelKey: string;
  channelKind: string;
  status: DeliveryStatus;
  attempts: number;
  /** The last error (retrying, failed) or why it was held; null when sent or pending. */
  error: string | null;
  /** When the event was written (outbox). */
  eventAt: Date;
  /** When the row was first written; null while pending. */
  createdAt: Date | null;
  /** When the row last changed; for a pending one, when the event was written. */
  updatedAt: Date;
}

export interface DeliveryFilter {
  incident?: number;
  status?: DeliveryStatus;
}

/** Deliveries as the API lists them: the notification log, plus what has no row yet. */
export function createDeliveryViews(sql: Sql) {
  return {
    /** Newest change first. */
    list(filter: DeliveryFilter, limit: number): Promise<DeliveryRow[]> {
      const incident = filter.incident ?? null;
      const status = filter.status ?? null;
      return sql<DeliveryRow[]>`
        WITH logged AS (
          SELECT n.id, o.incident_id, n.outbox_id, o.event, o.payload->'notice'->>'kind' AS notice,
                 o.payload->'alertGroup'->>'id' AS alert_group, n.channel_key,
                 split_part(n.channel_key, ':', 2) AS channel_kind, n.status, n.attempts, n.error,
                 o.created_at AS event_at, n.created_at, n.updated_at
          FROM notifications n JOIN outbox o ON o.id = n.outbox_id
          WHERE (${incident}::bigint IS NULL OR o.incident_id = ${incident})
            AND (${status}::text IS NULL OR n.status = ${status})
        ),
        pending AS (
          SELECT NULL::bigint AS id, ch.incident_id, ch.outbox_id, ch.event,
                 ch.payload->'notice'->>'kind' AS notice, ch.alert_group, ch.channel_key,
                 ch.kind AS channel_kind, 'pending'::text AS status, 0 AS attempts, NULL::text AS error,
                 ch.created_at AS event_at, NULL::timestamptz AS created_at, ch.created_at AS updated_at
          FROM (${outboxChannels(sql)}) ch
          WHERE (${status}::text IS NULL OR ${status} = 'pending')
            AND (${incident}::bigint IS NULL OR ch.incident_id = ${incident})
            AND NOT EXISTS (SELECT 1 FROM notifications n
                            WHERE n.outbox_id = ch.outbox_id AND n.channel_key = ch.channel_key)
        )
        SELECT * FROM (SELECT * FROM logged UNION ALL SELECT * FROM pending) d
        ORDER BY updated_at DESC, outbox_id DESC, channel_key
        LIMIT ${limit}`;
    },
  };
}

/** The reconciler's query (followup/reconcile.ts). */
export function createUndeliveredPairs(sql: Sql) {
  return {
    /**
     * Channels of events relayed between `from` and `to` with no row or a `retrying` one, oldest
     * first. Which of them need a job again is `decideRequeue`'s to say.
     */
    list(from: Date, to: Date, limit: number): Promise<UndeliveredPair[]> {
      return sql<UndeliveredPair[]>`
        SELECT ch.outbox_id, ch.event, ch.channel_index::int, ch.channel_key, ch.relayed_at
        FROM (${outboxChannels(sql)}) ch
        WHERE ch.relayed_at > ${from} AND ch.relayed_at <= ${to}
          AND NOT EXISTS (SELECT 1 FROM notifications n
                          WHERE n.outbox_id = ch.outbox_id AND n.channel_key = ch.channel_key
                            AND n.status <> 'retrying')
        ORDER BY ch.relayed_at, ch.outbox_id, ch.channel_index
        LIMIT ${limit}`;
    },
  };
}
