import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { silentLogger } from '@portwarden/common/logger';
import { createDb, type Sql } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createIngestStore, ingestTransaction } from '../store/ingest-store.js';
import { createAgentStore } from '../store/agents.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { ingestBatch } from './ingest.js';
import type { IncomingResult, IngestAgent, IngestStore } from './types.js';

const policy = parsePolicy(`
alertGroups: { ops: { name: Ops, channels: [{ log: {} }] } }
checks:
  - { name: smtp, port: 25, failuresBeforeAlert: 3, alertGroup: ops }
`);

let db: TestDatabase;
let sql: Sql;
let agent: IngestAgent;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  const record = await createAgentStore(sql).connect({
    name: 'mail-1',
    labels: { role: 'mail' },
    os: 'linux',
    hostname: 'mail-1.example',
    agentVersion: '0.1.0',
    configRevision: 0,
  });
  agent = { id: record.id, name: record.name, hostname: record.hostname, labels: record.labels };
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

let seq = 0;
const result = (outcome: 'up' | 'down'): IncomingResult => ({
  seq: ++seq,
  checkId: 'smtp',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  durationMs: 3,
  outcome,
  reason: outcome === 'down' ? 'refused' : '',
  detail: outcome === 'down' ? 'connection refused' : '',
  timings: null,
});

const outbox = () =>
  sql<
    {
      event: string;
      payload: { consecutiveFailures: number; endsAt?: string; alertGroup: { name: string } };
    }[]
  >`SELECT event, payload FROM outbox ORDER BY id`;

describe('ingestBatch', () => {
  const store = () => createIngestStore(sql);

  it('opens one incident on the third consecutive failure and writes it to the outbox', async () => {
    const first = await ingestBatch(store(), agent, policy, [result('down'), result('down')]);
    expect(first).toEqual({ stored: 2, events: 0 });
    expect(await outbox()).toHaveLength(0);
    const third = await ingestBatch(store(), agent, policy, [result('down'), result('down')]);
    expect(third.events).toBe(1);
    const rows = await outbox();
    expect(rows.map((r) => r.event)).toEqual(['opened']);
    expect(rows[0]!.payload).toMatchObject({ consecutiveFailures: 3, alertGroup: { name: 'Ops' } });
  });

  it('changes nothing when a batch is replayed', async () => {
    const replay = [1, 2, 3, 4].map((s) => ({ ...result('down'), seq: s }));
    seq = 4;
    const outcome = await ingestBatch(store(), agent, policy, replay);
    expect(outcome).toEqual({ stored: 0, events: 0 });
    const [count] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results`;
    expect(count!.n).toBe(4);
    expect(await outbox()).toHaveLength(1);
  });

  it('resolves once on the first success', async () => {
    const outcome = await ingestBatch(store(), agent, policy, [result('up'), result('up')]);
    expect(outcome.events).toBe(1);
    const rows = await outbox();
    expect(rows.map((r) => r.event)).toEqual(['opened', 'resolved']);
    expect(rows[1]!.payload.endsAt).toBe(new Date(Date.UTC(2026, 0, 1, 0, 0, 5)).toISOString());
    const incidents = await sql`SELECT resolved_at FROM incidents`;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.resolvedAt).not.toBeNull();
  });

  it('rolls back results, state, incident and outbox together when the commit fails', async () => {
    const failing: IngestStore = {
      transaction: (work) =>
        sql.begin(async (tx) => {
          await work(ingestTransaction(tx));
          throw new Error('commit refused'); // after the incident and its outbox row were written
        }) as never,
    };
    const batch = [result('down'), result('down'), result('down')];
    await expect(ingestBatch(failing, agent, policy, batch)).rejects.toThrow('commit refused');
    const [count] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results`;
    expect(count!.n).toBe(6);
    expect(await outbox()).toHaveLength(2);
    expect(await sql`SELECT id FROM incidents`).toHaveLength(1);
    const [state] = await sql<{ outcome: string }[]>`SELECT outcome FROM check_state`;
    expect(state!.outcome).toBe('up');
  });
});
