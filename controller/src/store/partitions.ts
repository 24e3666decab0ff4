import { addDays, dayStart, type Day } from '../retention/plan.js';
import type { PartitionFacts } from '../retention/plan.js';
import type { PartitionStore } from '../retention/types.js';
import type { Sql, TransactionSql } from './db.js';

/**
 * The SQL of retention (migration 0014): the day partitions of `results` and its DEFAULT
 * partition. Every change runs in its own transaction under one advisory lock, and looks again at
 * what is there once it holds it, so that replicas running retention at once each do a step once.
 */

/** Any constant works; it only has to be the same in every replica (migrate.ts uses 7_441_337). */
const RETENTION_LOCK = 7_441_338;
/**
 * How long a step waits for a table lock. Creating a day takes EXCLUSIVE on results_default (only
 * results routed there wait) and dropping one ACCESS EXCLUSIVE on results (every insert waits):
 * behind a long read, ingest would queue behind the waiting step, so it gives up instead and the
 * next run (an hour later) tries again.
 */
const LOCK_TIMEOUT = '2s';
const NAME_PATTERN = /^results_p(\d{4})(\d{2})(\d{2})$/;

export function partitionName(day: Day): string {
  dayStart(day); // throws on anything that is not a day: the name goes into DDL
  return `results_p${day.replaceAll('-', '')}`;
}

export function createPartitionStore(sql: Sql): PartitionStore {
  /** One step: its own transaction, the advisory lock first, then a bounded wait for table locks. */
  const step = <T>(work: (tx: TransactionSql) => Promise<T>): Promise<T> =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${RETENTION_LOCK})`;
      await tx.unsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      return work(tx);
    }) as Promise<T>;

  return {
    async facts(): Promise<PartitionFacts> {
      const [partitions, defaults] = await Promise.all([
        partitionDays(sql),
        sql<{ day: string }[]>`
          SELECT DISTINCT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM results_default`,
      ]);
      return { partitions, defaultDays: defaults.map((r) => r.day) };
    },

    /**
     * The day's table is made on its own, the DEFAULT partition's rows of that day moved into it,
     * and then attached: CREATE TABLE … PARTITION OF would fail while the DEFAULT holds such rows,
     * and it locks all of `results` (ACCESS EXCLUSIVE), where ATTACH takes SHARE UPDATE EXCLUSIVE,
     * which inserts do not wait for. The DEFAULT is locked against writes first, so that no row of
     * the day arrives there between the move and the ATTACH's check of it.
     */
    createDay(day) {
      const name = partitionName(day);
      return step(async (tx) => {
        if ((await partitionDays(tx)).includes(day)) return { created: false, moved: 0 };
        const [from, to] = [bound(day), bound(addDays(day, 1))];
        await tx`LOCK TABLE results_default IN EXCLUSIVE MODE`;
        await tx.unsafe(`CREATE TABLE ${name} (LIKE results INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        const moved = await tx.unsafe(
          `WITH moved AS (DELETE FROM results_default WHERE started_at >= '${from}' AND started_at < '${to}' RETURNING *)
           INSERT INTO ${name} SELECT * FROM moved`,
        );
        // Builds the partitioned indexes and the agents foreign key on the new table.
        await tx.unsafe(
          `ALTER TABLE results ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
        return { created: true, moved: moved.count };
      });
    },

    /**
     * DROP TABLE: DETACH … CONCURRENTLY would not block inserts, but PostgreSQL refuses it on a
     * table with a DEFAULT partition and inside a transaction block. The DROP holds ACCESS
     * EXCLUSIVE on `results` for the few milliseconds of a catalog change (no row is deleted one by one),
     * and waits at most LOCK_TIMEOUT for it.
     */
    dropDay(day) {
      const name = partitionName(day);
      return step(async (tx) => {
        if (!(await partitionDays(tx)).includes(day)) return false;
        await tx.unsafe(`DROP TABLE ${name}`);
        return true;
      });
    },

    deleteDefaultBefore(cutoff) {
      return step(async (tx) => (await tx`DELETE FROM results_default WHERE started_at < ${cutoff}`).count);
    },
  };
}

/** The days that have a partition, read from the catalog: partitions of results named results_pYYYYMMDD. */
async function partitionDays(sql: Sql | TransactionSql): Promise<Day[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'results'::regclass`;
  return rows.flatMap(({ name }) => {
    const match = NAME_PATTERN.exec(name);
    return match ? [`${match[1]}-${match[2]}-${match[3]}`] : [];
  });
}

/** A partition bound as a literal: midnight UTC, whatever the session's TimeZone. */
function bound(day: Day): string {
  dayStart(day);
  return `${day} 00:00:00+00`;
}
