/**
 * `npm run bench:history` (issue 13, retention): the status board's query and a check's 24 h
 * history with 50 M result rows (1,000 agents × 20 checks, 30 days of day partitions) against the
 * same queries with 50 k rows (one agent's share: the same checks at the same interval), built and
 * measured in the same run, each in a database of its own that is dropped at the end. Never part of
 * `npm test`. Knobs: BENCH_HISTORY_ROWS (the large table, default 50000000), BENCH_HISTORY_SAMPLES
 * (per query and table, default 400).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { silentLogger } from '@portwarden/common/logger';
import { createDb, type Sql } from '@portwarden/controller/store/db';
import { migrate } from '@portwarden/controller/store/migrate';
import { createViews } from '@portwarden/controller/store/views';
import { createTestDatabase, type TestDatabase } from '@portwarden/controller/testing';
import { agentName, checkId, CHECKS, fillDataset, rowsOf, type DatasetSpec } from './dataset.js';
import { latency, sample, type Latency } from './measure.js';
import { formatHistoryReport, type Table } from './report.js';

const AGENTS = 1000;
const HISTORY_LIMIT = 5000; // what the web UI's check page asks for (web/src/check.tsx)
const SMALL_LIMIT = 100;
const WARMUP = 20;
const BLOCKS = 10;

const log = (text: string) => process.stderr.write(`[bench:history] ${text}\n`);

function wholeNumber(name: string, fallback: number, min: number): number {
  const text = process.env[name] ?? '';
  if (text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name}=${text}: expected a whole number ≥ ${min}`);
  return value;
}

interface Built {
  db: TestDatabase;
  sql: Sql;
  spec: DatasetSpec;
  buildSeconds: number;
  bytes: number;
}

async function build(spec: DatasetSpec, label: string): Promise<Built> {
  const db = await createTestDatabase('pw_bench_history');
  const sql = createDb({ url: db.url, maxConnections: 3 });
  const began = Date.now();
  try {
    await migrate(sql, silentLogger());
    log(`${label}: ${rowsOf(spec).toLocaleString('en-US')} rows into ${db.name}`);
    await fillDataset(sql, spec, (text) => log(`${label} ${text}`));
    // What autovacuum would have done by then; measured without it running meanwhile.
    await sql.unsafe('VACUUM (ANALYZE) results');
    await sql.unsafe('VACUUM (ANALYZE) agents, check_state');
    const [size] = await sql<{ bytes: number }[]>`
      SELECT sum(pg_total_relation_size(inhrelid))::bigint AS bytes FROM pg_inherits
      WHERE inhparent = 'results'::regclass`;
    const bytes = size!.bytes;
    const buildSeconds = (Date.now() - began) / 1000;
    log(`${label}: built in ${buildSeconds.toFixed(0)} s, ${(bytes / 2 ** 30).toFixed(2)} GiB`);
    return { db, sql, spec, buildSeconds, bytes };
  } catch (err) {
    await sql.end();
    await db.drop();
    throw err;
  }
}

/** The API's own queries (store/views.ts), as GET /api/v1/checks and GET /api/v1/results run them. */
function queries(sql: Sql, now: Date) {
  const views = createViews(sql);
  const since = new Date(now.getTime() - 24 * 3_600_000);
  return {
    board: () => views.checkStates(),
    agentHistory: (i: number) =>
      views.results({ checkId: checkId(i % CHECKS), agent: agentName(0), since }, HISTORY_LIMIT),
    checkHistory: (i: number) => views.results({ checkId: checkId(i % CHECKS), since }, HISTORY_LIMIT),
    // The same with an answer as small as the baseline's: what the table's size costs, the answer's aside.
    checkHistorySmall: (i: number) => views.results({ checkId: checkId(i % CHECKS), since }, SMALL_LIMIT),
  };
}

type QueryName = keyof ReturnType<typeof queries>;
const NAMES: QueryName[] = ['board', 'agentHistory', 'checkHistory', 'checkHistorySmall'];

/** Blocks of samples taking turns between the two tables, so that both see the same machine. */
async function measure(tables: Built[], samples: number): Promise<Record<QueryName, Latency>[]> {
  const runs = tables.map((t) => queries(t.sql, t.spec.now));
  const times = tables.map(() => Object.fromEntries(NAMES.map((n) => [n, [] as number[]])));
  const rows = tables.map(() => Object.fromEntries(NAMES.map((n) => [n, 0])));
  for (const run of runs) for (const name of NAMES) await sample(WARMUP, run[name]);
  const perBlock = Math.ceil(samples / BLOCKS);
  for (let block = 0; block < BLOCKS; block++)
    for (const [t, run] of runs.entries())
      for (const name of NAMES) {
        const [taken, count] = await sample(perBlock, (i) => run[name](block * perBlock + i));
        times[t]![name]!.push(...taken);
        rows[t]![name] = count;
      }
  return tables.map(
    (_, t) =>
      Object.fromEntries(NAMES.map((n) => [n, latency(times[t]![n]!, rows[t]![n]!)])) as Record<
        QueryName,
        Latency
      >,
  );
}

/** The plans at the large table, for the log: which indexes and how many partitions each query read. */
async function explain(sql: Sql, now: Date): Promise<void> {
  const since = new Date(now.getTime() - 24 * 3_600_000);
  // The SQL of store/views.ts results(), with and without the agent.
  for (const agent of [agentName(0), undefined]) {
    const plan = await sql.unsafe(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
       SELECT a.name AS agent, r.check_id, r.seq, r.started_at, r.duration_ms, r.outcome, r.reason, r.detail, r.transcript, r.firewall
       FROM results r JOIN agents a ON a.id = r.agent_id
       WHERE r.check_id = $1 AND r.started_at >= $2 ${agent ? 'AND a.name = $3' : ''}
       ORDER BY r.started_at DESC LIMIT ${HISTORY_LIMIT}`,
      agent ? [checkId(7), since, agent] : [checkId(7), since],
    );
    log(
      `plan (${agent ? 'one agent' : 'every agent'}):\n${plan.map((r) => `    ${String(r['QUERY PLAN'])}`).join('\n')}`,
    );
  }
}

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  const largeRows = wholeNumber('BENCH_HISTORY_ROWS', 50_000_000, AGENTS * CHECKS);
  const samples = wholeNumber('BENCH_HISTORY_SAMPLES', 400, BLOCKS);
  const perPair = Math.round(largeRows / (AGENTS * CHECKS));
  const now = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const specs: DatasetSpec[] = [
    { agents: AGENTS, agentsWithResults: 1, perPair, now },
    { agents: AGENTS, agentsWithResults: AGENTS, perPair, now },
  ];
  const tables: Built[] = [];
  try {
    for (const [i, spec] of specs.entries()) tables.push(await build(spec, i === 0 ? 'baseline' : 'large'));
    await explain(tables[1]!.sql, now);
    const measured = await measure(tables, samples);
    const [{ version } = { version: 'PostgreSQL' }] = await tables[0]!.sql<
      { version: string }[]
    >`SELECT version()`;
    const table = (i: number): Table => ({
      rows: rowsOf(tables[i]!.spec),
      bytes: tables[i]!.bytes,
      buildSeconds: tables[i]!.buildSeconds,
      latency: measured[i]!,
    });
    const settings = [
      process.env.BENCH_HISTORY_ROWS && `BENCH_HISTORY_ROWS=${process.env.BENCH_HISTORY_ROWS}`,
      process.env.BENCH_HISTORY_SAMPLES && `BENCH_HISTORY_SAMPLES=${process.env.BENCH_HISTORY_SAMPLES}`,
    ].filter(Boolean);
    process.stdout.write(
      formatHistoryReport({
        command: [...settings, 'npm run bench:history'].join(' '),
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        commit: output('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}`,
        postgres: version.split(' on ')[0]!,
        load: { start: loadAtStart, end: os.loadavg()[0]! },
        agents: AGENTS,
        checks: CHECKS,
        perPair,
        samples: measured[0]!.board.samples,
        limit: HISTORY_LIMIT,
        smallLimit: SMALL_LIMIT,
        baseline: table(0),
        large: table(1),
      }),
    );
  } finally {
    for (const t of tables) {
      await t.sql.end();
      await t.db.drop();
    }
  }
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
