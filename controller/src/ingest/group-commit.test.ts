import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { createAgentStore } from '../store/agents.js';
import { createDb, type Sql } from '../store/db.js';
import { createIngestStore } from '../store/ingest-store.js';
import { migrate } from '../store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createGroupCommit, StoppingError } from './group-commit.js';
import type { IncomingResult, IngestAgent, IngestStore } from './types.js';

const inForce = {
  revision: 1,
  policy: parsePolicy(`
alertGroups: { ops: { name: Ops, channels: [{ log: {} }] } }
checks:
  - { name: web, port: 80, failuresBeforeAlert: 2, alertGroup: ops }
`),
};

let db: TestDatabase;
let sql: Sql;
const agents: IngestAgent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 4 });
  await migrate(sql, silentLogger());
  const store = createAgentStore(sql);
  for (let i = 0; i < 40; i++) {
    const { id, name, hostname, labels } = await store.connect({
      name: `web-${i}`,
      labels: {},
      os: 'linux',
      hostname: `web-${i}`,
      agentVersion: 't',
      configRevision: 0,
    });
    agents.push({ id, name, hostname, labels });
  }
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const result = (seq: number, outcome: 'up' | 'down' = 'down'): IncomingResult => ({
  seq,
  checkId: 'web',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  durationMs: 1,
  outcome,
  reason: outcome === 'down' ? 'refused' : '',
  detail: '',
  timings: null,
});

/** A group commit on `store`, deciding by the test policy, telling nobody of events. */
const committer = (store: IngestStore) =>
  createGroupCommit({ store, policy: () => inForce, logger: silentLogger(), onEvents() {} });

/** The real store, with a count of transactions and the agents each one held. */
function countingStore() {
  const real = createIngestStore(sql);
  const groups: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  const store: IngestStore = {
    transaction: async (work) => {
      await gate;
      return real.transaction(async (tx) => {
        let agentsIn = 0;
        const counted = {
          ...tx,
          insertResults: (rows: Parameters<typeof tx.insertResults>[0]) => {
            agentsIn = new Set(rows.map((r) => r.agentId)).size;
            return tx.insertResults(rows);
          },
        };
        const out = await work(counted);
        groups.push(agentsIn);
        return out;
      });
    },
  };
  return {
    store,
    groups,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => open();
    },
  };
}

describe('group commit', () => {
  it('commits the batches of many streams in few transactions, each result once', async () => {
    const counting = countingStore();
    let woken = 0;
    const commit = createGroupCommit({
      store: counting.store,
      policy: () => inForce,
      logger: silentLogger(),
      onEvents: () => woken++,
    });
    const release = counting.hold(); // PostgreSQL "lags": batches pile up meanwhile
    const outcomes = agents.map((agent) => commit.submit({ agent, results: [result(1), result(2)] }));
    expect(commit.pending).toBe(80);
    release();
    const done = await Promise.all(outcomes);
    expect(done.every((o) => o.stored === 2 && o.events === 1)).toBe(true);
    expect(counting.groups.length).toBeLessThanOrEqual(3); // the first alone, the rest together
    expect(counting.groups.reduce((a, b) => a + b, 0)).toBe(40);
    expect(woken).toBeGreaterThan(0);
    expect(commit.pending).toBe(0);
    const [counts] = await sql<{ results: number; incidents: number }[]>`
      SELECT (SELECT count(*)::int FROM results) AS results, (SELECT count(*)::int FROM incidents) AS incidents`;
    expect(counts).toEqual({ results: 80, incidents: 40 });
  });

  it('keeps one agent in one transaction at a time, its waiting batches together, in the order sent', async () => {
    const counting = countingStore();
    const commit = committer(counting.store);
    const agent = agents[0]!;
    const release = counting.hold();
    const first = commit.submit({ agent, results: [result(3, 'up')] });
    const second = commit.submit({ agent, results: [result(4, 'down')] });
    const third = commit.submit({ agent, results: [result(5, 'down')] });
    release();
    await Promise.all([first, second, third]);
    // the first alone (the "lag" held it); the two that waited meanwhile in the next, as one
    expect(counting.groups).toEqual([1, 1]);
    expect(await second).toEqual(await third);
    const [state] = await sql<{ lastSeq: number; consecutiveFailures: number; incidentId: number | null }[]>`
      SELECT last_seq, consecutive_failures, incident_id FROM check_state WHERE agent_id = ${agent.id}`;
    // up at 3 resolved the incident; 4 and 5 fail again: a new one opens at the threshold of two
    expect(state).toMatchObject({ lastSeq: 5, consecutiveFailures: 2 });
    expect(state!.incidentId).not.toBeNull();
  });

  it('fails only the batch PostgreSQL refuses, not those it shared a transaction with', async () => {
    const counting = countingStore();
    const commit = committer(counting.store);
    const release = counting.hold();
    const good = commit.submit({ agent: agents[1]!, results: [result(10, 'up')] });
    // why: results.duration_ms is an int: PostgreSQL refuses this one value (22003), not the batch's shape
    const bad = commit.submit({ agent: agents[3]!, results: [{ ...result(11), durationMs: 2 ** 40 }] });
    const alsoGood = commit.submit({ agent: agents[2]!, results: [result(10, 'up')] });
    release();
    await expect(bad).rejects.toMatchObject({ code: '22003' });
    await expect(good).resolves.toMatchObject({ stored: 1 });
    await expect(alsoGood).resolves.toMatchObject({ stored: 1 });
  });

  it('drops a queued batch whose stream failed, and stores nothing of it', async () => {
    const counting = countingStore();
    const commit = committer(counting.store);
    const release = counting.hold();
    const busy = commit.submit({ agent: agents[3]!, results: [result(20, 'up')] });
    const later = commit.submit({ agent: agents[3]!, results: [result(21, 'up')] }, () => true);
    const refused = expect(later).rejects.toThrow(/stream failed/);
    release();
    await busy;
    await refused;
    const rows = await sql`SELECT 1 FROM results WHERE agent_id = ${agents[3]!.id} AND seq = 21`;
    expect(rows).toHaveLength(0);
    await commit.drained();
    expect(commit.pending).toBe(0);
  });

  it('decides again when another replica moved a check state between its read and its write', async () => {
    const agent = agents[6]!;
    let otherCommitted!: () => void;
    const other = new Promise<void>((resolve) => (otherCommitted = resolve));
    let read!: () => void;
    const aRead = new Promise<void>((resolve) => (read = resolve));
    let attempts = 0;
    const real = createIngestStore(sql);
    // Replica A reads the state, then waits while replica B commits newer results of the same check.
    const slow: IngestStore = {
      transaction: (work) =>
        real.transaction((tx) => {
          attempts++;
          return work({
            ...tx,
            readStates: async (keys) => {
              const states = await tx.readStates(keys);
              if (attempts === 1) {
                read();
                await other;
              }
              return states;
            },
          });
        }),
    };
    const a = committer(slow);
    const b = committer(real);
    const fromA = a.submit({ agent, results: [result(101, 'up'), result(102, 'up')] });
    await aRead;
    await b.submit({ agent, results: [result(103, 'up'), result(104)] });
    otherCommitted();
    await fromA;
    expect(attempts).toBe(2);
    const [state] = await sql<{ lastSeq: number; consecutiveFailures: number }[]>`
      SELECT last_seq, consecutive_failures FROM check_state WHERE agent_id = ${agent.id}`;
    // B's newer results decide; A's older ones are stored but change nothing (they are older).
    expect(state).toEqual({ lastSeq: 104, consecutiveFailures: 1 });
    const [stored] = await sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM results WHERE agent_id = ${agent.id} AND seq > 100`;
    expect(stored?.count).toBe(4);
  });

  it('at close, lets the transaction in flight finish and refuses what waits', async () => {
    const counting = countingStore();
    const commit = committer(counting.store);
    const release = counting.hold();
    const committing = commit.submit({ agent: agents[8]!, results: [result(40, 'up')] });
    const waiting = commit.submit({ agent: agents[8]!, results: [result(41, 'up')] });
    const refused = expect(waiting).rejects.toBeInstanceOf(StoppingError);
    const closed = commit.close();
    await refused;
    release();
    await expect(committing).resolves.toMatchObject({ stored: 1 });
    await closed;
    expect(commit.pending).toBe(0);
    const rows = await sql`SELECT seq FROM results WHERE agent_id = ${agents[8]!.id} AND seq >= 40`;
    expect(rows.map((r) => r.seq)).toEqual([40]);
  });

  it('rejects every batch of a group when the database is gone, and stores none', async () => {
    const gone = createDb({ url: db.url.replace(/:\d+\//, ':1/'), maxConnections: 1 });
    const commit = committer(createIngestStore(gone));
    const outcomes = [4, 5].map((i) => commit.submit({ agent: agents[i]!, results: [result(30)] }));
    for (const outcome of outcomes) await expect(outcome).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await gone.end();
  });
});
