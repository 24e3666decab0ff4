import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createAgentStore } from './agents.js';
import { createDb, type Sql } from './db.js';
import { migrate } from './migrate.js';

let db: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe('agents at a replica start', () => {
  it('marks disconnected only agents nobody has heard from for a minute', async () => {
    const store = createAgentStore(sql);
    const hello = (name: string) => ({
      name,
      labels: {},
      os: 'linux',
      hostname: name,
      agentVersion: 't',
      configRevision: 0,
    });
    await store.connect(hello('on-another-replica'));
    await store.connect(hello('replica-died'));
    await sql`UPDATE agents SET last_seen_at = now() - interval '5 minutes' WHERE name = 'replica-died'`;
    await store.markStaleDisconnected();
    expect(await store.isConnected('on-another-replica')).toBe(true);
    expect(await store.isConnected('replica-died')).toBe(false);
  });
});
