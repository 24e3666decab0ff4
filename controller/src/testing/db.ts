import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
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

/** Every key under a test prefix (SCAN, never KEYS: the Redis is shared with other tests). */
export async function redisKeys(prefix: string): Promise<string[]> {
  const found: string[] = [];
  await scanPrefix(prefix, async (keys) => void found.push(...keys));
  return found;
}

/** Deletes every key under a test prefix, as `drop()` removes a test database. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  await scanPrefix(prefix, async (keys, redis) => void (await redis.del(...keys)));
}

async function scanPrefix(
  prefix: string,
  each: (keys: string[], redis: Redis) => Promise<void>,
): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await each(keys, redis);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
