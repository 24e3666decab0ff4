import type { Matcher } from '@portwarden/common/matchers';
import type { ResolvedMaintenance } from '@portwarden/common/policy/resolved';
import type { CoverSource, FiringLookup, HeldFiring, ReleaseStore, Silence } from '../silence/types.js';
import type { Sql } from './db.js';
import { addOutbox } from './outbox.js';

/** All SQL on silences (migration 0010), and the notification-log reads the silence stage needs. */

export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  comment: string;
  createdBy: string;
}

const SILENCE_COLUMNS = [
  'id',
  'matchers',
  'starts_at',
  'ends_at',
  'comment',
  'created_by',
  'created_at',
  'expired_at',
] as const;

export function createSilenceStore(sql: Sql) {
  return {
    async create(silence: NewSilence): Promise<Silence> {
      const [row] = await sql<Silence[]>`
        INSERT INTO silences (matchers, starts_at, ends_at, comment, created_by)
        VALUES (${sql.json(silence.matchers as never)}, ${silence.startsAt}, ${silence.endsAt},
                ${silence.comment}, ${silence.createdBy})
        RETURNING ${sql(SILENCE_COLUMNS)}`;
      return row!;
    },

    /** Silences not over at `since` (active, pending, and those that ended after it), newest first. */
    async list(since: Date): Promise<Silence[]> {
      return sql<Silence[]>`
        SELECT ${sql(SILENCE_COLUMNS)} FROM silences
        WHERE LEAST(ends_at, coalesce(expired_at, 'infinity')) > ${since}
        ORDER BY id DESC`;
    },

    /**
     * Ends the silence at `now` unless it is over already; undefined when there is no such silence.
     * Expiring an expired silence changes nothing and answers it as it is.
     */
    async expire(id: number, now: Date): Promise<Silence | undefined> {
      const [updated] = await sql<Silence[]>`
        UPDATE silences SET expired_at = ${now}
        WHERE id = ${id} AND expired_at IS NULL AND ends_at > ${now}
        RETURNING ${sql(SILENCE_COLUMNS)}`;
      if (updated) return updated;
      const [row] = await sql<Silence[]>`SELECT ${sql(SILENCE_COLUMNS)} FROM silences WHERE id = ${id}`;
      return row;
    },
  };
}

export type SilenceStore = ReturnType<typeof createSilenceStore>;

/** Silences from the table; maintenance windows from the newest policy revision (any replica's). */
export function createCoverSource(sql: Sql): CoverSource {
  return {
    async silences(now) {
      return sql<Silence[]>`
        SELECT ${sql(SILENCE_COLUMNS)} FROM silences
        WHERE expired_at IS NULL AND ends_at > ${now}`;
    },
    async maintenance() {
      const [row] = await sql<{ maintenance: ResolvedMaintenance[] | null }[]>`
        SELECT resolved->'maintenance' AS maintenance FROM policy_revisions ORDER BY revision DESC LIMIT 1`;
      return row?.maintenance ?? [];
    },
  };
}

/** The notification of an incident's latest firing on one channel, before a given event. */
export function createFiringLookup(sql: Sql): FiringLookup {
  return {
    async firingBefore(event, channelKey) {
      const [row] = await sql<{ status: string | null; note: string | null }[]>`
        SELECT n.status, n.error AS note FROM outbox o
        LEFT JOIN notifications n ON n.outbox_id = o.id AND n.channel_key = ${channelKey}
        WHERE o.incident_id = ${event.incidentId} AND o.event = 'opened' AND o.id < ${event.outboxId}
        ORDER BY o.id DESC LIMIT 1`;
      if (!row?.status) return undefined;
      return row.note === null ? { status: row.status } : { status: row.status, note: row.note };
    },
  };
}

/** Held firings per pass; the rest wait for the next one. */
const RELEASE_BATCH = 100;

export function createReleaseStore(sql: Sql): ReleaseStore {
  return {
    async releaseHeld(decide) {
      return sql.begin(async (tx) => {
        // Lock the open incidents whose latest firing was held on some channel; a replica that
        // holds one already skips it.
        const locked = await tx<{ id: number }[]>`
          SELECT i.id FROM incidents i
          WHERE i.resolved_at IS NULL AND EXISTS (
            SELECT 1 FROM notifications n
            WHERE n.status = 'held' AND n.outbox_id = (
              SELECT max(o.id) FROM outbox o WHERE o.incident_id = i.id AND o.event = 'opened'))
          ORDER BY i.id LIMIT ${RELEASE_BATCH}
          FOR UPDATE OF i SKIP LOCKED`;
        if (locked.length === 0) return 0;
        // Read again under the locks, in a new snapshot: a replica that released one of these and
        // committed before we locked it has written a newer firing, which is not held.
        const held = await tx<HeldFiring[]>`
          SELECT DISTINCT ON (o.incident_id) o.incident_id, o.id AS outbox_id, o.payload, n.error AS note
          FROM outbox o
          JOIN incidents i ON i.id = o.incident_id AND i.resolved_at IS NULL
          JOIN notifications n ON n.outbox_id = o.id AND n.status = 'held'
          WHERE o.incident_id IN ${tx(locked.map((row) => row.id))} AND o.event = 'opened'
            AND o.id = (SELECT max(o2.id) FROM outbox o2 WHERE o2.incident_id = o.incident_id AND o2.event = 'opened')
          ORDER BY o.incident_id, n.id`;
        let written = 0;
        for (const firing of held) {
          const event = decide({ ...firing, note: firing.note ?? '' });
          if (!event) continue;
          await addOutbox(tx, firing.incidentId, event);
          written += 1;
        }
        return written;
      });
    },
  };
}
