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

/** A policy as the controller holds it: revision 1 routes the events. */
const inForce = (source: string) => ({ revision: 1, policy: parsePolicy(source) });

const policy = inForce(`
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
    // A replay carries each result's own startedAt (from the agent's spool): part of the key (0014).
    const replay = [1, 2, 3, 4].map((s) => ({
      ...result('down'),
      seq: s,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, s)),
    }));
    seq = 4;
    const outcome = await ingestBatch(store(), agent, policy, replay);
    expect(outcome).toEqual({ stored: 0, events: 0 });
    const [count] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results`;
    expect(count!.n).toBe(4);
    expect(await outbox()).toHaveLength(1);
  });

  it('resolves once on the first success, at the time the controller received it', async () => {
    const receivedAt = new Date();
    const outcome = await ingestBatch(store(), agent, policy, [result('up'), result('up')], receivedAt);
    expect(outcome.events).toBe(1);
    const rows = await outbox();
    expect(rows.map((r) => r.event)).toEqual(['opened', 'resolved']);
    expect(rows[1]!.payload.endsAt).toBe(receivedAt.toISOString());
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

describe('the outbox payload', () => {
  it("names the alert group and the policy revision, never a channel's config", async () => {
    const routed = {
      revision: 7,
      policy: parsePolicy(`
alertGroups:
  pager: { name: Pager, channels: [{ webhook: { url: 'http://127.0.0.1:9/hook', headers: { Authorization: 'Bearer planted-b4d' } } }] }
checks: [{ name: pop3, port: 110, alertGroup: pager }]
`),
    };
    const record = await createAgentStore(sql).connect({
      name: 'mail-2',
      labels: {},
      os: 'linux',
      hostname: 'mail-2.example',
      agentVersion: '0.1.0',
      configRevision: 0,
    });
    const mail = { id: record.id, name: record.name, hostname: record.hostname, labels: record.labels };
    const down: IncomingResult = { ...result('down'), seq: 1, checkId: 'pop3' };
    expect((await ingestBatch(createIngestStore(sql), mail, routed, [down])).events).toBe(1);
    const [row] = await sql<{ payload: Record<string, unknown>; text: string }[]>`
      SELECT o.payload, o.payload::text AS text FROM outbox o JOIN incidents i ON i.id = o.incident_id
      WHERE i.agent_id = ${mail.id}`;
    expect(row!.payload).toMatchObject({ alertGroup: { id: 'pager', name: 'Pager' }, policyRevision: 7 });
    expect(row!.text).not.toContain('channels');
    expect(row!.text).not.toContain('planted-b4d');
    expect(row!.text).not.toContain('127.0.0.1:9');
  });
});

describe('an agent whose clock is off', () => {
  const skewPolicy = inForce(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: imap, port: 143, alertGroup: ops }]
`);
  let skewed: IngestAgent;
  beforeAll(async () => {
    const record = await createAgentStore(sql).connect({
      name: 'skewed-1',
      labels: {},
      os: 'linux',
      hostname: 'skewed-1.example',
      agentVersion: '0.1.0',
      configRevision: 0,
    });
    skewed = { id: record.id, name: record.name, hostname: record.hostname, labels: record.labels };
  });

  const minutes = (n: number) => n * 60_000;
  const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
  const probe = (s: number, outcome: 'up' | 'down', startedAt: Date): IncomingResult => ({
    seq: s,
    checkId: 'imap',
    startedAt,
    durationMs: 1,
    outcome,
    reason: outcome === 'down' ? 'refused' : '',
    detail: '',
    timings: null,
  });
  const events = () =>
    sql<{ event: string; payload: { startsAt: string; endsAt?: string; probedAt?: string } }[]>`
      SELECT o.event, o.payload FROM outbox o JOIN incidents i ON i.id = o.incident_id
      WHERE i.agent_id = ${skewed.id} ORDER BY o.id`;
  const incident = async () =>
    (
      await sql<{ openedAt: Date; resolvedAt: Date | null }[]>`
        SELECT opened_at, resolved_at FROM incidents WHERE agent_id = ${skewed.id} ORDER BY id DESC LIMIT 1`
    )[0]!;

  it("books the incident by the controller's time, shows the probe time beside it, and never ends before it starts", async () => {
    const t0 = new Date('2026-12-01T12:00:00.000Z');
    // 10 minutes ahead when it fails, then corrected to 10 minutes behind when it recovers.
    await ingestBatch(
      createIngestStore(sql),
      skewed,
      skewPolicy,
      [probe(1, 'down', at(t0, minutes(10)))],
      t0,
    );
    await ingestBatch(
      createIngestStore(sql),
      skewed,
      skewPolicy,
      [probe(2, 'up', at(t0, -minutes(10) + 10_000))],
      at(t0, 10_000),
    );
    const [opened, resolved] = await events();
    expect(opened!.payload.startsAt).toBe(t0.toISOString());
    expect(opened!.payload.probedAt).toBe(at(t0, minutes(10)).toISOString());
    expect(resolved!.payload.startsAt).toBe(t0.toISOString());
    expect(resolved!.payload.endsAt).toBe(at(t0, 10_000).toISOString());
    expect(resolved!.payload.probedAt).toBe(at(t0, -minutes(10) + 10_000).toISOString());
    expect(await incident()).toEqual({ openedAt: t0, resolvedAt: at(t0, 10_000) });
  });

  it('leaves the probe time out when the clocks agree within a few seconds', async () => {
    const t1 = new Date('2026-12-01T13:00:00.000Z');
    await ingestBatch(createIngestStore(sql), skewed, skewPolicy, [probe(3, 'down', at(t1, -2_000))], t1);
    const opened = (await events()).at(-1)!;
    expect(opened.event).toBe('opened');
    expect(opened.payload.probedAt).toBeUndefined();
  });

  it("resolves no earlier than it opened when a later receipt carries an earlier time (another replica's clock)", async () => {
    const t1 = new Date('2026-12-01T13:00:00.000Z');
    await ingestBatch(createIngestStore(sql), skewed, skewPolicy, [probe(4, 'up', t1)], at(t1, -30_000));
    const resolved = (await events()).at(-1)!;
    expect(resolved.event).toBe('resolved');
    expect(resolved.payload.endsAt).toBe(t1.toISOString());
    expect(await incident()).toEqual({ openedAt: t1, resolvedAt: t1 });
  });
});
