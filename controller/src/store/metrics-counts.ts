import type { Sql } from './db.js';

/** Open incidents of one state and reason. */
export interface OpenIncidentCount {
  state: 'firing' | 'acknowledged';
  reason: string;
  count: number;
}

/** Rows of the notification log of one channel kind and status. */
export interface NotificationCount {
  channelKind: string;
  status: string;
  count: number;
}

/** What /metrics reads from PostgreSQL at each scrape (metrics/). */
export interface MetricsCounts {
  openIncidents: OpenIncidentCount[];
  notifications: NotificationCount[];
  /** Outbox rows the relay has not handed on yet, and the age of the oldest in seconds (0 when none). */
  relay: { pending: number; oldestSeconds: number };
}

/** Three aggregate reads in one round trip each; the outbox one walks the `outbox_pending` index. */
export function createMetricsCounts(sql: Sql): { read(): Promise<MetricsCounts> } {
  return {
    async read() {
      const [incidents, notifications, relay] = await Promise.all([
        sql<{ state: 'firing' | 'acknowledged'; reason: string; count: number }[]>`
          SELECT CASE WHEN acked_at IS NULL THEN 'firing' ELSE 'acknowledged' END AS state, reason,
                 count(*)::int AS count
          FROM incidents WHERE resolved_at IS NULL GROUP BY 1, 2`,
        sql<{ channelKind: string; status: string; count: number }[]>`
          SELECT split_part(channel_key, ':', 2) AS "channelKind", status, count(*)::int AS count
          FROM notifications GROUP BY 1, 2`,
        sql<{ pending: number; oldestSeconds: number }[]>`
          SELECT count(*)::int AS pending,
                 coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS "oldestSeconds"
          FROM outbox WHERE relayed_at IS NULL`,
      ]);
      return { openIncidents: [...incidents], notifications: [...notifications], relay: relay[0]! };
    },
  };
}
