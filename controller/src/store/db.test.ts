import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createDb, type Sql } from './db.js';

let db: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe('the pool under a burst', () => {
  // A hello is a plain statement, a transaction (liveness) and another plain statement. Hundreds at
  // once fill the pool's pipelines; postgres.js 3.4.9 then sent a BEGIN without reserving its
  // connection (porsager/postgres#823): UNSAFE_TRANSACTION, and the connection went back to the
  // pool inside an open transaction. patches/postgres+3.4.9.patch fixes it.
  it('runs concurrent transactions and plain statements without UNSAFE_TRANSACTION', async () => {
    const hello = async (i: number) => {
      await sql`SELECT ${i}::int`;
      await sql.begin((tx) => tx`SELECT ${i}::int`);
      await sql`SELECT ${i}::int`;
    };
    const failures: unknown[] = [];
    for (let round = 0; round < 8; round++) {
      const settled = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => hello(i)));
      for (const s of settled) if (s.status === 'rejected') failures.push(s.reason);
    }
    expect(failures).toEqual([]);
    // No connection went back to the pool inside a transaction.
    const [idle] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'idle in transaction'`;
    expect(idle!.n).toBe(0);
  });
});
