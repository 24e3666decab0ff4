import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { createAgentStore } from '../store/agents.js';
import { createDb, type Sql } from '../store/db.js';
import { createLivenessStore } from '../store/liveness-store.js';
import { migrate } from '../store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createLivenessMonitor, type LivenessStore, type LivenessTransaction } from './monitor.js';

let db: TestDatabase;
let sql: Sql;
const agents: { id: number; name: string }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 3 });
  await migrate(sql, silentLogger());
  const store = createAgentStore(sql);
  for (let i = 0; i < 50; i++) {
    const { id, name } = await store.connect({
      name: `hb-${i}`,
      labels: {},
      os: 'linux',
      hostname: `hb-${i}`,
      agentVersion: 't',
      configRevision: 0,
    });
    agents.push({ id, name });
  }
  await sql`UPDATE agents SET last_seen_at = now() - interval '1 hour'`;
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

/** The real store, counting transactions and what each bulk write carried. */
function countingStore() {
  const real = createLivenessStore(sql);
  const bulk: number[] = [];
  let transactions = 0;
  const store: LivenessStore = {
    transaction: (work) =>
      real.transaction((tx) => {
        transactions++;
        const counted: LivenessTransaction = {
          ...tx,
          heardMany: (seen, slackMs) => {
            bulk.push(seen.length);
            return tx.heardMany(seen, slackMs);
          },
        };
        return work(counted);
      }),
  };
  return { store, bulk, transactions: () => transactions };
}

describe('heartbeats', () => {
  it('cost no commit of their own: fifty agents heard twice are written in one transaction', async () => {
    const counting = countingStore();
    const monitor = createLivenessMonitor({
      store: counting.store,
      logger: silentLogger(),
      settings: () => ({ silenceMs: 30_000, alertGroup: undefined, policyRevision: 0 }),
      onEvents() {},
      intervalMs: 60_000, // no silence pass during the test
      writeIntervalMs: 50,
    });
    for (const agent of agents) monitor.heard(agent);
    for (const agent of agents) monitor.heard(agent);
    expect(counting.transactions()).toBe(0);
    monitor.start();
    try {
      await until('the bulk write', () => counting.bulk.length > 0, 5_000);
      expect(counting.bulk[0]).toBe(50);
      const [row] = await sql<{ fresh: number }[]>`
        SELECT count(*)::int AS fresh FROM agents WHERE last_seen_at > now() - interval '1 minute'`;
      expect(row?.fresh).toBe(50);
    } finally {
      await monitor.stop();
    }
  });

  it('keeps writing an agent with a stream here, even when its heartbeats do not come through', async () => {
    const counting = countingStore();
    const monitor = createLivenessMonitor({
      store: counting.store,
      logger: silentLogger(),
      settings: () => ({ silenceMs: 30_000, alertGroup: undefined, policyRevision: 0 }),
      onEvents() {},
      intervalMs: 60_000,
      writeIntervalMs: 50,
    });
    const agent = agents[0]!;
    const closeStream = monitor.streamOpened(agent.name);
    monitor.greeted(agent); // written at once, on its own
    await until('the hello written', () => counting.transactions() === 1, 5_000);
    await until(
      'the hello committed',
      async () =>
        (
          await sql`SELECT 1 FROM agents WHERE id = ${agent.id} AND last_seen_at > now() - interval '1 minute'`
        ).length === 1,
      5_000,
    );
    await sql`UPDATE agents SET last_seen_at = now() - interval '1 hour' WHERE id = ${agent.id}`;
    monitor.start(); // no heartbeat comes: only the open stream says the agent is there
    try {
      await until(
        'the agent written as heard in a bulk write',
        async () =>
          (
            await sql`SELECT 1 FROM agents WHERE id = ${agent.id} AND last_seen_at > now() - interval '1 minute'`
          ).length === 1,
        5_000,
      );
      expect(counting.bulk[0]).toBe(1);
      closeStream();
    } finally {
      await monitor.stop();
    }
  });
});
