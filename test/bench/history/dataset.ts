/**
 * The result rows of `npm run bench:history`: a fleet of agents × checks, each probed at the same
 * interval over the last 30 days, written fast. Each day is filled as a table of its own (INSERT …
 * SELECT generate_series, no index, no foreign key to check per row) and then attached as that
 * day's partition, which builds its indexes in one pass; as store/partitions.ts does for a day.
 */
import type { Sql } from '@portwarden/controller/store/db';

export const CHECKS = 20;
export const DAYS = 30;
const DAY_MS = 86_400_000;

export interface DatasetSpec {
  /** Agents on the status board (check_state has a row per agent × check). */
  agents: number;
  /** Of those, how many have results (the first ones): the rest of the fleet is silent. */
  agentsWithResults: number;
  /** Results per (agent, check) over the 30 days, at a fixed interval. */
  perPair: number;
  now: Date;
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const addDays = (day: string, n: number) => utcDay(new Date(dayStart(day).getTime() + n * DAY_MS));

export const rowsOf = (spec: DatasetSpec) => spec.agentsWithResults * CHECKS * spec.perPair;
export const agentName = (n: number) => `agent-${String(n).padStart(4, '0')}`;
export const checkId = (i: number) => `check-${String(i).padStart(2, '0')}`;

/** Agents, check_state and results as a controller would have written them. */
export async function fillDataset(sql: Sql, spec: DatasetSpec, log: (text: string) => void): Promise<void> {
  await sql`
    INSERT INTO agents (name, connected, last_seen_at)
    SELECT 'agent-' || lpad(n::text, 4, '0'), true, ${spec.now} FROM generate_series(0, ${spec.agents - 1}) AS n`;
  await sql`
    INSERT INTO check_state (agent_id, check_id, outcome, consecutive_failures, since, last_seq, last_result_at)
    SELECT a.id, 'check-' || lpad(c::text, 2, '0'), 'up', 0, ${spec.now}::timestamptz - interval '3 days',
           ${spec.perPair * CHECKS}, ${spec.now}
    FROM agents a CROSS JOIN generate_series(0, ${CHECKS - 1}) AS c`;

  const start = new Date(spec.now.getTime() - DAYS * DAY_MS);
  const intervalMs = (DAYS * DAY_MS) / spec.perPair;
  const days: string[] = [];
  for (let day = utcDay(start); day <= utcDay(spec.now); day = addDays(day, 1)) days.push(day);
  // Two at a time: the machine has two cores, and PostgreSQL one per connection.
  // The migration made today and the days ahead, empty: today is filled like the others.
  await sql.unsafe(`DROP TABLE IF EXISTS results_p${utcDay(spec.now).replaceAll('-', '')}`);
  const queue = [...days];
  const worker = async () => {
    for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
      const began = Date.now();
      const rows = await fillDay(sql, spec, day, start, intervalMs);
      log(`${day}: ${rows.toLocaleString('en-US')} rows in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all([worker(), worker()]);
}

async function fillDay(sql: Sql, spec: DatasetSpec, day: string, start: Date, intervalMs: number) {
  const name = `results_p${day.replaceAll('-', '')}`;
  const from = dayStart(day);
  const to = dayStart(addDays(day, 1));
  // The slots of each pair that can fall on this day (each pair's offset is under one interval).
  const first = Math.max(0, Math.floor((from.getTime() - start.getTime()) / intervalMs) - 1);
  const last = Math.min(spec.perPair - 1, Math.ceil((to.getTime() - start.getTime()) / intervalMs));
  const pairs = spec.agentsWithResults * CHECKS;
  return sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL maintenance_work_mem = '512MB'`);
    await tx.unsafe(`SET LOCAL synchronous_commit = off`);
    await tx.unsafe(`CREATE TABLE ${name} (LIKE results INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const inserted = await tx`
      INSERT INTO ${tx(name)} (agent_id, seq, check_id, started_at, duration_ms, outcome, reason, detail, timings, received_at)
      SELECT a.id, s.k * ${CHECKS} + c.i + 1, 'check-' || lpad(c.i::text, 2, '0'), t.at,
             1 + (s.k + c.i) % 7, CASE WHEN t.down THEN 'down' ELSE 'up' END,
             CASE WHEN t.down THEN 'refused' ELSE '' END,
             CASE WHEN t.down THEN 'connect ECONNREFUSED 10.0.0.1:443' ELSE '' END,
             '{"dnsMs":0,"connectMs":1,"tlsMs":0,"firstByteMs":1,"totalMs":2}'::jsonb, t.at + interval '40 ms'
      FROM (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM agents) a
      CROSS JOIN generate_series(0, ${CHECKS - 1}) AS c(i)
      CROSS JOIN generate_series(${first}::bigint, ${last}::bigint) AS s(k)
      CROSS JOIN LATERAL (
        SELECT ${start}::timestamptz
                 + ((s.k * ${intervalMs}::float8) + (a.n * ${CHECKS} + c.i) * ${intervalMs / pairs}::float8) * interval '1 ms' AS at,
               (s.k * 7 + a.n * 3 + c.i) % 100 = 0 AS down
      ) t
      WHERE a.n < ${spec.agentsWithResults} AND t.at >= ${from} AND t.at < ${to} AND t.at <= ${spec.now}`;
    // A CHECK matching the bound lets ATTACH skip its scan of the rows; it goes afterwards.
    await tx.unsafe(
      `ALTER TABLE ${name} ADD CONSTRAINT ${name}_bound CHECK (started_at >= '${day} 00:00:00+00' AND started_at < '${addDays(day, 1)} 00:00:00+00')`,
    );
    await tx.unsafe(
      `ALTER TABLE results ATTACH PARTITION ${name} FOR VALUES FROM ('${day} 00:00:00+00') TO ('${addDays(day, 1)} 00:00:00+00')`,
    );
    await tx.unsafe(`ALTER TABLE ${name} DROP CONSTRAINT ${name}_bound`);
    return inserted.count;
  });
}
