import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingResult } from '../ingest/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createAgentStore } from './agents.js';
import { createDb, type Sql } from './db.js';
import { createIngestStore } from './ingest-store.js';
import { migrate } from './migrate.js';

let db: TestDatabase;
let sql: Sql;
let agentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  const agent = await createAgentStore(sql).connect({
    name: 'mail-1',
    labels: {},
    os: 'linux',
    hostname: 'mail-1',
    agentVersion: '0.1.0',
    configRevision: 0,
  });
  agentId = agent.id;
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const result = (seq: number, transcript?: IncomingResult['transcript']): IncomingResult => ({
  seq,
  checkId: 'smtp',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  durationMs: 3,
  outcome: 'down',
  reason: 'expect-mismatch',
  detail: 'expected "250" but received "220 x"',
  timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 1, totalMs: 3 },
  ...(transcript !== undefined && { transcript }),
});

describe('ingest store: results', () => {
  it('stores a transcript as JSON (migration 0002), and NULL without one', async () => {
    const transcript = {
      entries: [
        { atMs: 0, direction: 'note' as const, text: 'connected to 127.0.0.1:25' },
        { atMs: 1, direction: 'received' as const, text: '220 x\\r\\n' },
      ],
      truncated: false,
    };
    await createIngestStore(sql).transaction((tx) =>
      tx.insertResults(agentId, [result(1, transcript), result(2), result(3, null)]),
    );
    const rows = await sql<{ seq: number; transcript: unknown }[]>`
      SELECT seq, transcript FROM results WHERE agent_id = ${agentId} ORDER BY seq`;
    expect(rows).toEqual([
      { seq: 1, transcript },
      { seq: 2, transcript: null },
      { seq: 3, transcript: null },
    ]);
  });
});
