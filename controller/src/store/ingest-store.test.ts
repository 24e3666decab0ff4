import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultKey, stateKey, type IncomingResult, type StoredCheckState } from '../ingest/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createAgentStore } from './agents.js';
import { createDb, type Sql } from './db.js';
import { createIngestStore, StateRaceError } from './ingest-store.js';
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
      tx.insertResults(
        [result(1, transcript), result(2), result(3, null)].map((r) => ({ agentId, result: r })),
      ),
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

describe('ingest store: whole columns through unnest', () => {
  it('keeps text that array literals escape, and reports only new rows', async () => {
    const awkward = ['quote " and \\ backslash', 'comma, {brace} NULL', 'ünïcødé ✓', '', 'NULL'];
    const rows = awkward.map((detail, i) => ({ agentId, result: { ...result(100 + i), detail } }));
    const fresh = await createIngestStore(sql).transaction((tx) => tx.insertResults(rows));
    expect(fresh).toEqual(new Set(rows.map((r) => resultKey(agentId, r.result.seq))));
    const stored = await sql<{ detail: string; timings: unknown }[]>`
      SELECT detail, timings FROM results WHERE agent_id = ${agentId} AND seq >= 100 ORDER BY seq`;
    expect(stored.map((r) => r.detail)).toEqual(awkward);
    expect(stored[0]!.timings).toEqual(result(1).timings);
    const again = await createIngestStore(sql).transaction((tx) =>
      tx.insertResults([...rows, { agentId, result: result(200) }]),
    );
    expect(again).toEqual(new Set([resultKey(agentId, 200)]));
  });

  it('saves and reads the states of many checks at once, flap times included', async () => {
    const state = (checkId: string, changes: Date[]): StoredCheckState => ({
      outcome: 'down',
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      since: new Date(Date.UTC(2026, 0, 1)),
      lastSeq: 7,
      incidentId: null,
      incidentOpen: false,
      firingTold: true,
      flap: { changes, flappingSince: changes[0] ?? null },
    });
    const flapped = [new Date(Date.UTC(2026, 0, 1, 1)), new Date(Date.UTC(2026, 0, 1, 2))];
    const saves = [
      { agentId, checkId: 'a "quoted" check', state: state('a', flapped), last: result(7), readSeq: null },
      { agentId, checkId: 'b', state: state('b', []), last: result(7), readSeq: null },
    ];
    await createIngestStore(sql).transaction((tx) => tx.saveStates(saves));
    const locked = await createIngestStore(sql).transaction((tx) =>
      tx.readStates([...saves.map((s) => ({ agentId, checkId: s.checkId })), { agentId, checkId: 'none' }]),
    );
    expect([...locked.keys()].sort()).toEqual([
      stateKey(agentId, 'a "quoted" check'),
      stateKey(agentId, 'b'),
    ]);
    expect(locked.get(stateKey(agentId, 'a "quoted" check'))).toEqual(saves[0]!.state);
    expect(locked.get(stateKey(agentId, 'b'))).toEqual(saves[1]!.state);
  });
});

describe('ingest store: a state moved by another transaction between read and write', () => {
  const base = {
    outcome: 'down' as const,
    consecutiveFailures: 1,
    consecutiveSuccesses: 0,
    since: new Date(Date.UTC(2026, 0, 1)),
    incidentId: null,
    incidentOpen: false,
    firingTold: true,
    flap: { changes: [], flappingSince: null },
  };

  it('is not overwritten: the write throws StateRaceError (40001) and changes nothing', async () => {
    const store = createIngestStore(sql);
    const save = (lastSeq: number, readSeq: number | null) => ({
      agentId,
      checkId: 'raced',
      state: { ...base, lastSeq },
      last: result(lastSeq),
      readSeq,
    });
    await store.transaction((tx) => tx.saveStates([save(10, null)]));
    // Another transaction read nothing (a new check), wrote after this row appeared: refused.
    await expect(store.transaction((tx) => tx.saveStates([save(5, null)]))).rejects.toMatchObject({
      code: '40001',
    });
    // Read at 10, but the row moved to 12 meanwhile: refused too.
    await store.transaction((tx) => tx.saveStates([save(12, 10)]));
    await expect(store.transaction((tx) => tx.saveStates([save(11, 10)]))).rejects.toBeInstanceOf(
      StateRaceError,
    );
    const [row] = await sql<{ lastSeq: number }[]>`
      SELECT last_seq FROM check_state WHERE agent_id = ${agentId} AND check_id = 'raced'`;
    expect(row?.lastSeq).toBe(12);
  });
});
