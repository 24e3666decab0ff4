import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Base URL of the test server; each test file gets its own database on it. */
export const TEST_PG_URL =
  process.env.PORTWARDEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database; `drop()` removes it even if connections remain. */
export async function createTestDatabase(prefix = 'pw_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const sql = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await sql.end();
    },
  };
}

/** Redis for tests; each test uses its own key prefix on it. */
export const TEST_REDIS_URL = process.env.PORTWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique Redis key prefix so that parallel test files never share queues. */
export function testRedisPrefix(): string {
  return `pwtest:${randomBytes(6).toString('hex')}`;
}
