import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@portwarden/common/errors';
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../testing/db.js';
import { createDb, databaseStartError, type Sql } from './db.js';

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

describe('databaseStartError', () => {
  it('turns a missing database into one line with the createdb command as the hint', async () => {
    const url = new URL(TEST_PG_URL);
    url.pathname = `/pw_missing_${randomBytes(4).toString('hex')}`;
    const missing = createDb({ url: url.toString(), maxConnections: 1 });
    const err = await missing`SELECT 1`.then(
      () => undefined,
      (e: unknown) => e,
    );
    await missing.end();
    const mapped = databaseStartError(err, url.toString());
    expect(mapped).toBeInstanceOf(ConfigError);
    const name = url.pathname.slice(1);
    expect((mapped as ConfigError).message).toBe(`PostgreSQL at ${url.host} has no database "${name}"`);
    expect((mapped as ConfigError).message).not.toContain('\n');
    const where = [
      url.hostname && `-h ${url.hostname}`,
      url.port && `-p ${url.port}`,
      url.username && `-U ${url.username}`,
    ];
    expect((mapped as ConfigError).hint).toContain(
      `\`createdb ${[...where.filter(Boolean), name].join(' ')}\``,
    );
  });

  it('leaves every other failure as it is', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(databaseStartError(refused, 'postgres://postgres@127.0.0.1:1/portwarden')).toBe(refused);
    expect(databaseStartError(undefined, 'postgres://postgres@127.0.0.1/portwarden')).toBeUndefined();
  });
});
