import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '@portwarden/common/policy/parse';
import { silentLogger } from '@portwarden/common/logger';
import { createDb, type Sql } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createIngestStore } from '../store/ingest-store.js';
import { createAgentStore } from '../store/agents.js';
import { createResponseStore } from '../store/responses.js';
import { createViews } from '../store/views.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import type { IncidentEvent } from '../state/event.js';
import { ingestBatch } from './ingest.js';
import type { ResponseReport } from './reports.js';
import type { IncomingResult, IngestAgent } from './types.js';

/** A policy as the controller holds it: revision 1 routes the events. */
const inForce = (source: string) => ({ revision: 1, policy: parsePolicy(source) });

const policy = inForce(`
alertGroups: { ops: { channels: [{ log: {} }] } }
defaults: { alertGroup: ops, failuresBeforeAlert: 2 }
checks:
  - { name: web, port: 80, response: { restartService: nginx } }
  - { name: Windows Firewall, firewall: { mode: enable } }
`);

let db: TestDatabase;
let sql: Sql;
let agent: IngestAgent;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  const record = await createAgentStore(sql).connect({
    name: 'web-1',
    labels: {},
    os: 'linux',
    hostname: 'web-1.example',
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
const refused = { reason: 'refused' as const, detail: 'ECONNREFUSED' };
/** A result of an agent that runs the check's responses itself. */
const result = (
  outcome: 'up' | 'down',
  count: number,
  extra: Partial<IncomingResult> = {},
): IncomingResult => ({
  seq: ++seq,
  checkId: 'web',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
  durationMs: 3,
  outcome,
  ...(outcome === 'down' ? refused : { reason: '', detail: 'connected' }),
  timings: null,
  consecutiveFailures: count,
  responds: true,
  ...extra,
});

const round = (verdict: ResponseReport['verdict'], after: 'up' | 'down'): ResponseReport => ({
  verdict,
  trigger: { outcome: 'down', ...refused, durationMs: 2 },
  attempts: [
    {
      kind: 'restart-service',
      target: 'nginx',
      status: 'done',
      reason: '',
      detail: 'restart nginx: done',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 700,
      verification:
        after === 'up'
          ? { outcome: 'up', reason: '', detail: 'connected', durationMs: 1 }
          : { outcome: 'down', ...refused, durationMs: 1 },
      commands: [
        {
          argv: ['/usr/bin/systemctl', 'restart', '--', 'nginx'],
          exitCode: 0,
          timedOut: false,
          spawnError: '',
          durationMs: 700,
          output: '',
        },
      ],
    },
  ],
});

const outbox = () =>
  sql<{ event: string; payload: IncidentEvent }[]>`SELECT event, payload FROM outbox ORDER BY id`;
const store = () => createIngestStore(sql);
const responses = () => createResponseStore(sql).list({ limit: 10 });

describe('ingest of a check with a response', () => {
  it('opens nothing while the agent runs the response, nor when it fixed the check; the round is recorded', async () => {
    const outcome = await ingestBatch(store(), agent, policy, [
      result('down', 1),
      result('up', 0, { response: round('recovered', 'up') }),
    ]);
    expect(outcome.events).toBe(0);
    expect(await sql`SELECT id FROM incidents`).toHaveLength(0);
    const [row] = await responses();
    expect(row).toMatchObject({
      agent: 'web-1',
      checkId: 'web',
      checkName: 'web',
      seq: 2,
      verdict: 'recovered',
      outcome: 'up',
      incidentId: null,
      trigger: { outcome: 'down', reason: 'refused' },
      attempts: [
        { kind: 'restart-service', target: 'nginx', status: 'done', verification: { outcome: 'up' } },
      ],
    });
  });

  it('waits past the threshold for the round, then opens one incident that says what was tried', async () => {
    const first = await ingestBatch(store(), agent, policy, [result('down', 1)]);
    const second = await ingestBatch(store(), agent, policy, [result('down', 2)]); // the trigger, if the agent sent it apart
    expect([first.events, second.events]).toEqual([0, 0]);
    const failed = await ingestBatch(store(), agent, policy, [
      result('down', 2, { response: round('failed', 'down') }),
    ]);
    expect(failed.events).toBe(1);
    const [opened] = await outbox();
    expect(opened!.payload.response).toMatchObject({
      verdict: 'failed',
      attempts: [
        {
          kind: 'restart-service',
          target: 'nginx',
          status: 'done',
          verification: { outcome: 'down', reason: 'refused' },
        },
      ],
    });
    // The notification carries no commands: they stay in the API and the audit log.
    expect(opened!.payload.response!.attempts[0]).not.toHaveProperty('commands');
    const [incident] = await sql<{ id: number }[]>`SELECT id FROM incidents`;
    expect((await responses())[0]).toMatchObject({ verdict: 'failed', incidentId: incident!.id });
  });

  it('records a replayed round once and tells the resolution with the same response', async () => {
    const failedSeq = seq;
    const replay = { ...result('down', 2, { response: round('failed', 'down') }), seq: failedSeq };
    await ingestBatch(store(), agent, policy, [replay, result('up', 0)]);
    expect(await responses()).toHaveLength(2);
    const rows = await outbox();
    expect(rows.map((r) => r.event)).toEqual(['opened', 'resolved']);
    expect(rows[1]!.payload.response).toEqual(rows[0]!.payload.response);
  });

  it('opens at the threshold for an agent that runs no response for the check (an older one, an older config)', async () => {
    const older = [result('down', 0, { responds: false }), result('down', 0, { responds: false })];
    expect((await ingestBatch(store(), agent, policy, older)).events).toBe(1);
    await ingestBatch(store(), agent, policy, [result('up', 0)]);
  });

  it('tells a firewall incident by the host and stores the profiles', async () => {
    const firewall = {
      provider: 'powershell' as const,
      found: ['powershell' as const],
      profiles: [
        {
          profile: 'domain' as const,
          state: 'off' as const,
          detail: 'Enabled=0 in the active store',
          gpoOverride: true,
        },
      ],
      notes: [],
    };
    const gpo = result('down', 1, {
      checkId: 'windows-firewall',
      reason: 'gpo-override',
      detail: 'Group Policy keeps domain off; not re-enabled (provider powershell)',
      firewall,
      response: {
        verdict: 'suppressed',
        trigger: {
          outcome: 'down',
          reason: 'gpo-override',
          detail: 'domain is off by Group Policy',
          durationMs: 5,
        },
        attempts: [
          {
            kind: 'firewall-enable',
            target: 'domain,private,public',
            status: 'suppressed',
            reason: 'gpo-override',
            detail: 'Group Policy keeps domain off; not re-enabled (provider powershell)',
            startedAt: '2026-01-01T00:00:00.000Z',
            durationMs: 4,
            verification: null,
            commands: [],
          },
        ],
      },
    });
    expect((await ingestBatch(store(), agent, policy, [gpo])).events).toBe(1);
    const opened = (await outbox()).at(-1)!;
    expect(opened.payload).toMatchObject({
      reason: 'gpo-override',
      check: {
        id: 'windows-firewall',
        name: 'Windows Firewall',
        host: 'web-1.example',
        port: 0,
        kind: 'firewall',
      },
      response: { verdict: 'suppressed' },
    });
    const [stored] = await sql<{ firewall: unknown }[]>`SELECT firewall FROM results WHERE seq = ${gpo.seq}`;
    expect(stored!.firewall).toEqual(firewall);
    // The agent page reads it through GET /api/v1/results.
    const [latest] = await createViews(sql).results(
      { checkId: 'windows-firewall', agent: agent.name, since: new Date(0) },
      1,
    );
    expect(latest!.firewall).toEqual(firewall);
  });
});
