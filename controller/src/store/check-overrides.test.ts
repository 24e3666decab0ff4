import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createCheckOverrideStore } from './check-overrides.js';
import { createDb, type Sql } from './db.js';
import { migrate } from './migrate.js';

let db: TestDatabase;
let sql: Sql;
let store: ReturnType<typeof createCheckOverrideStore>;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  store = createCheckOverrideStore(sql);
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const at = new Date('2026-12-07T14:00:00.000Z');
const later = new Date('2026-12-07T15:00:00.000Z');

describe('check overrides in PostgreSQL', () => {
  it('writes an override once per (check, agent): the second keeps the first who and when', async () => {
    const first = await store.disable({ checkId: 'web', agent: 'web-1', by: 'alice', at, comment: 'deploy' });
    expect(first).toEqual({
      created: true,
      override: { checkId: 'web', agent: 'web-1', by: 'alice', at, comment: 'deploy' },
    });
    const again = await store.disable({
      checkId: 'web',
      agent: 'web-1',
      by: 'bob',
      at: later,
      comment: null,
    });
    expect(again).toEqual({ created: false, override: first.override });
  });

  it('holds one every-agent override per check (NULL agents are not distinct)', async () => {
    const all = await store.disable({ checkId: 'mail', agent: null, by: 'alice', at, comment: null });
    expect(all.created).toBe(true);
    const again = await store.disable({ checkId: 'mail', agent: null, by: 'bob', at: later, comment: 'x' });
    expect(again).toEqual({ created: false, override: all.override });
    expect((await store.list()).filter((o) => o.checkId === 'mail')).toHaveLength(1);
  });

  it('deletes the overrides of the agents asked for, the every-agent one by null, and nothing else', async () => {
    await store.disable({ checkId: 'ftp', agent: 'web-1', by: 'alice', at, comment: null });
    await store.disable({ checkId: 'ftp', agent: 'web-2', by: 'alice', at, comment: null });
    await store.disable({ checkId: 'ftp', agent: null, by: 'alice', at, comment: null });
    expect(await store.enable('ftp', ['web-1'])).toBe(1);
    expect(await store.enable('ftp', ['web-1'])).toBe(0);
    const left = (await store.list()).filter((o) => o.checkId === 'ftp').map((o) => o.agent);
    expect(left).toEqual(['web-2', null]);
    expect(await store.enable('ftp', [null])).toBe(1);
    expect(await store.enable('ftp', ['web-2', null])).toBe(1);
    expect((await store.list()).filter((o) => o.checkId === 'ftp')).toEqual([]);
    // Other checks' overrides are untouched.
    expect((await store.list()).map((o) => o.checkId).sort()).toEqual(['mail', 'web']);
  });
});
