import { silentLogger } from '@portwarden/common/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { resultKey, type IncomingResult } from '../ingest/types.js';
import { createAgentStore } from '../store/agents.js';
import { createDb, type Sql } from '../store/db.js';
import { createIngestStore } from '../store/ingest-store.js';
import { migrate } from '../store/migrate.js';
import { createPartitionStore, partitionName } from '../store/partitions.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { until } from '@portwarden/common/testing';
import { createRetentionLoop, runRetention } from './loop.js';
import { addDays, utcDay } from './plan.js';

/** Migration 0014 and retention against a real PostgreSQL, a database of its own per test. */

const DAY_MS = 86_400_000;
const now = new Date();
const today = utcDay(now);
const daysAgo = (n: number, hour = 12) =>
  new Date(`${addDays(today, -n)}T${String(hour).padStart(2, '0')}:00:00Z`);

const opened: { db: TestDatabase; pools: Sql[] }[] = [];
afterEach(async () => {
  for (const { db, pools } of opened.splice(0)) {
    await Promise.all(pools.map((sql) => sql.end()));
    await db.drop();
  }
});

async function database(upTo = Infinity): Promise<{ sql: Sql; pool: () => Sql }> {
  const db = await createTestDatabase();
  const pools: Sql[] = [];
  opened.push({ db, pools });
  const pool = () => {
    const sql = createDb({ url: db.url, maxConnections: 2 });
    pools.push(sql);
    return sql;
  };
  const sql = pool();
  await migrate(sql, silentLogger(), upTo);
  return { sql, pool };
}

async function agent(sql: Sql, name = 'web-1'): Promise<number> {
  const { id } = await createAgentStore(sql).connect({
    name,
    labels: {},
    os: 'linux',
    hostname: name,
    agentVersion: '0.1.0',
    configRevision: 0,
  });
  return id;
}

const result = (seq: number, startedAt: Date, checkId = 'https'): IncomingResult => ({
  seq,
  checkId,
  startedAt,
  durationMs: 3,
  outcome: 'up',
  reason: '',
  detail: '',
  timings: null,
});

const insert = (sql: Sql, agentId: number, results: IncomingResult[]) =>
  createIngestStore(sql).transaction((tx) =>
    tx.insertResults(results.map((result) => ({ agentId, result }))),
  );

/** Where each seq is stored: the partition's name. */
async function placement(sql: Sql): Promise<Record<number, string>> {
  const rows = await sql<{ seq: number; part: string }[]>`
    SELECT seq, tableoid::regclass::text AS part FROM results ORDER BY seq`;
  return Object.fromEntries(rows.map((r) => [r.seq, r.part]));
}

const partitions = async (sql: Sql) => [...(await createPartitionStore(sql).facts()).partitions].sort();
const week = Array.from({ length: 8 }, (_, i) => addDays(today, i));

describe('migration 0014: results partitioned by day', () => {
  it('moves the rows of the unpartitioned table into day partitions and the DEFAULT', async () => {
    const { sql } = await database(13);
    const agentId = await agent(sql);
    const farFuture = new Date(now.getTime() + 3 * 365 * DAY_MS);
    await sql`
      INSERT INTO results (agent_id, seq, check_id, started_at, duration_ms, outcome, transcript, firewall)
      VALUES (${agentId}, 1, 'https', ${daysAgo(10)}, 3, 'up', '{"entries":[]}', NULL),
             (${agentId}, 2, 'https', ${daysAgo(0, 0)}, 4, 'down', NULL, '{"profiles":[]}'),
             (${agentId}, 3, 'smtp', ${daysAgo(500)}, 5, 'up', NULL, NULL),
             (${agentId}, 4, 'smtp', ${farFuture}, 6, 'up', NULL, NULL)`;
    const before = await sql`SELECT * FROM results ORDER BY seq`;

    expect(await migrate(sql, silentLogger())).toBeGreaterThanOrEqual(1);

    expect(await sql`SELECT * FROM results ORDER BY seq`).toEqual(before);
    expect(await placement(sql)).toEqual({
      1: partitionName(addDays(today, -10)),
      2: partitionName(today),
      // why: older than the 400 days the migration makes partitions for, and years ahead
      3: 'results_default',
      4: 'results_default',
    });
    // why: today and 7 days ahead, plus the day the old table held a row for
    expect(await partitions(sql)).toEqual([addDays(today, -10), ...week]);
    expect(await sql`SELECT relkind FROM pg_class WHERE relname = 'results'`).toEqual([{ relkind: 'p' }]);
    expect(await sql`SELECT 1 FROM pg_class WHERE relname = 'results_0013'`).toHaveLength(0);
  });

  it('checks no foreign key per stored result, in no partition (migration 0017)', async () => {
    const { sql } = await database();
    const agentId = await agent(sql);
    await insert(sql, agentId, [result(1, daysAgo(0)), result(2, daysAgo(-20))]);
    const keys = await sql`
      SELECT c.conrelid::regclass::text AS "table" FROM pg_constraint c
      JOIN pg_class r ON r.oid = c.conrelid
      WHERE c.contype = 'f' AND r.relname LIKE 'results%'`;
    expect(keys).toEqual([]);
  });

  it('still stores a replayed result once, in a day partition and in the DEFAULT', async () => {
    const { sql } = await database();
    const agentId = await agent(sql);
    const batch = [result(1, daysAgo(0)), result(2, daysAgo(-1)), result(3, daysAgo(-100))];
    expect([...(await insert(sql, agentId, batch))].sort()).toEqual(
      [1, 2, 3].map((seq) => resultKey(agentId, seq)),
    );
    // why: a replay carries the started_at of the spool: same partition, same key, nothing stored
    expect([...(await insert(sql, agentId, batch))]).toEqual([]);
    // why: a replay mixed with new results stores only the new ones
    expect([...(await insert(sql, agentId, [...batch, result(4, daysAgo(0))]))]).toEqual([
      resultKey(agentId, 4),
    ]);
    expect(await placement(sql)).toEqual({
      1: partitionName(today),
      2: partitionName(addDays(today, 1)),
      3: 'results_default',
      4: partitionName(today),
    });
  });
});

describe('retention', () => {
  it('moves a far-future result out of the DEFAULT when its day is created', async () => {
    const { sql } = await database();
    const agentId = await agent(sql);
    const skewed = daysAgo(-20, 3);
    await insert(sql, agentId, [result(1, skewed), result(2, daysAgo(-30))]);
    expect(await placement(sql)).toEqual({ 1: 'results_default', 2: 'results_default' });

    // why: 15 days later, the skewed result's day is within the 7 days ahead
    const later = new Date(now.getTime() + 15 * DAY_MS);
    const report = await runRetention(
      createPartitionStore(sql),
      { retentionDays: 30 },
      later,
      silentLogger(),
    );

    expect(report).toMatchObject({ moved: 1, failed: 0, dropped: [], deleted: 0 });
    expect(report.created).toContain(utcDay(skewed));
    expect(await placement(sql)).toEqual({ 1: partitionName(utcDay(skewed)), 2: 'results_default' });
    // why: a replay of the moved result now goes to its partition and still conflicts there
    expect([...(await insert(sql, agentId, [result(1, skewed)]))]).toEqual([]);
    // why: the moved-in table has the partitioned indexes and the foreign key like any other day
    const indexes = await sql<{ indexname: string }[]>`
      SELECT indexname FROM pg_indexes WHERE tablename = ${partitionName(utcDay(skewed))} ORDER BY indexname`;
    expect(indexes).toHaveLength(3);
  });

  it('drops the days past the retention whole, deletes old DEFAULT rows, and keeps the rest', async () => {
    const { sql } = await database();
    const agentId = await agent(sql);
    const store = createPartitionStore(sql);
    // Late results for days that had no partition: the first run gives each its day back.
    await insert(sql, agentId, [
      result(1, daysAgo(40)),
      result(2, daysAgo(31, 1)),
      result(3, daysAgo(29)),
      result(4, daysAgo(0)),
    ]);
    const first = await runRetention(store, { retentionDays: 60 }, now, silentLogger());
    expect(first.created).toEqual([addDays(today, -40), addDays(today, -31), addDays(today, -29)]);
    await insert(sql, agentId, [result(5, daysAgo(400))]); // lands in the DEFAULT: no day that old

    const report = await runRetention(store, { retentionDays: 30 }, now, silentLogger());

    expect(report).toMatchObject({
      created: [],
      dropped: [addDays(today, -40), addDays(today, -31)],
      deleted: 1,
      failed: 0,
    });
    expect(Object.keys(await placement(sql))).toEqual(['3', '4']);
    expect(await partitions(sql)).toEqual([addDays(today, -29), ...week]);
    // why: a second run finds nothing to do
    expect(await runRetention(store, { retentionDays: 30 }, now, silentLogger())).toEqual({
      created: [],
      moved: 0,
      dropped: [],
      deleted: 0,
      failed: 0,
    });
  });

  it('touches nothing but results: check state and incidents stay', async () => {
    const { sql } = await database();
    const agentId = await agent(sql);
    await insert(sql, agentId, [result(1, daysAgo(0))]);
    await sql`
      INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
      VALUES (${agentId}, 'https', 'https', 'ops', 'refused', '', ${daysAgo(90)})`;
    // why: retention 1 day, a year later: every result goes, the incident stays
    const report = await runRetention(
      createPartitionStore(sql),
      { retentionDays: 1 },
      new Date(now.getTime() + 365 * DAY_MS),
      silentLogger(),
    );
    expect(report.failed).toBe(0);
    expect(await sql`SELECT 1 FROM results`).toHaveLength(0);
    expect(await sql`SELECT 1 FROM incidents`).toHaveLength(1);
  });

  it('two runs at once (two replicas) do each step once and both finish', async () => {
    const { sql, pool } = await database();
    const agentId = await agent(sql);
    // In the DEFAULT: 8 and 9 days ahead, beyond the days created.
    await insert(sql, agentId, [result(1, daysAgo(-8)), result(2, daysAgo(-9))]);
    const later = new Date(now.getTime() + 41 * DAY_MS);
    const [a, b] = await Promise.all(
      [pool(), pool()].map((replica) =>
        runRetention(createPartitionStore(replica), { retentionDays: 30 }, later, silentLogger()),
      ),
    );

    expect([a!.failed, b!.failed]).toEqual([0, 0]);
    const created = [...a!.created, ...b!.created].sort();
    const dropped = [...a!.dropped, ...b!.dropped].sort();
    // why: each day created once and dropped once between them, none twice
    expect(created).toEqual(Array.from({ length: 8 }, (_, i) => addDays(utcDay(later), i)));
    expect(dropped).toEqual(week);
    // why: the two results were 8 and 9 days ahead: 41 days later they are past the retention
    expect(a!.moved + b!.moved).toBe(0);
    expect(a!.deleted + b!.deleted).toBe(2);
    expect(await partitions(sql)).toEqual(created);
    expect(await sql`SELECT 1 FROM results`).toHaveLength(0);
  });
});

describe('the retention loop', () => {
  it('runs before start returns, then again every interval', async () => {
    const { sql } = await database();
    await sql.unsafe(`DROP TABLE ${partitionName(today)}`);
    // Each run sees a day later than the one before.
    let runs = 0;
    const loop = createRetentionLoop({
      store: createPartitionStore(sql),
      settings: { retentionDays: 30 },
      logger: silentLogger(),
      intervalMs: 10,
      now: () => new Date(now.getTime() + runs++ * DAY_MS),
    });
    await loop.start();
    try {
      // why: the first run is over when start returns: today's partition is back before results come
      expect(await partitions(sql)).toContain(today);
      await until('a later run made the day 8 days ahead', async () =>
        (await partitions(sql)).includes(addDays(today, 8)) ? true : undefined,
      );
    } finally {
      await loop.stop();
    }
  });
});
