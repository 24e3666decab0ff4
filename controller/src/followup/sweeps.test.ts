import { silentLogger } from '@portwarden/common/logger';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../state/event.js';
import { createDb, type Sql } from '../store/db.js';
import { createFollowupStore } from '../store/followup-store.js';
import { migrate } from '../store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { followupSweeps, type SweepDeps } from './sweeps.js';

let db: TestDatabase;
/** Two pools: two replicas sweeping the same database. */
let a: Sql;
let b: Sql;
let agentId: number;

const policy: ResolvedPolicy = {
  checks: [],
  alertGroups: {
    ops: {
      id: 'ops',
      name: 'Ops',
      channels: [{ log: {} }],
      repeatIntervalMs: 60_000,
      escalate: [{ afterMs: 60_000, to: 'leads' }],
    },
    leads: { id: 'leads', name: 'Team leads', channels: [{ log: {} }], repeatIntervalMs: 3_600_000 },
  },
};
const inForce = { current: () => ({ revision: 1, policy }) };

beforeAll(async () => {
  db = await createTestDatabase();
  a = createDb({ url: db.url, maxConnections: 2 });
  b = createDb({ url: db.url, maxConnections: 2 });
  await migrate(a, silentLogger());
  const [agent] = await a<{ id: string }[]>`INSERT INTO agents (name) VALUES ('web-1') RETURNING id`;
  agentId = Number(agent!.id);
});

afterAll(async () => {
  await a?.end();
  await b?.end();
  await db?.drop();
});

/** An open incident of group ops, opened 10 minutes ago, whose firing got `status` 9 minutes ago. */
async function incident(check: string, status: 'sent' | 'held' | undefined): Promise<number> {
  const [row] = await a<{ id: string }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
    VALUES (${agentId}, ${check}, ${check}, 'ops', 'refused', 'refused', now() - interval '10 minutes')
    RETURNING id`;
  const id = Number(row!.id);
  const payload: Omit<IncidentEvent, 'outboxId'> = {
    event: 'opened',
    incidentId: id,
    check: { id: check, name: check, host: '127.0.0.1', port: 80 },
    agent: { name: 'web-1', hostname: 'web-1', labels: {} },
    alertGroup: { id: 'ops', name: 'Ops' },
    policyRevision: 1,
    reason: 'refused',
    detail: 'refused',
    consecutiveFailures: 1,
    startsAt: new Date().toISOString(),
  };
  const [outbox] = await a<{ id: string }[]>`
    INSERT INTO outbox (incident_id, event, payload, relayed_at)
    VALUES (${id}, 'opened', ${a.json(payload as never)}, now()) RETURNING id`;
  if (status)
    await a`INSERT INTO notifications (outbox_id, channel_key, status, attempts, updated_at)
            VALUES (${outbox!.id}, 'ops#0:log', ${status}, 1, now() - interval '9 minutes')`;
  return id;
}

const followups = (id: number) => a<{ kind: string; group: string; revision: number }[]>`
  SELECT payload->'notice'->>'kind' AS kind, payload->'alertGroup'->>'id' AS group,
         (payload->>'policyRevision')::int AS revision
  FROM outbox WHERE incident_id = ${id} AND payload ? 'notice' ORDER BY kind`;

/** The repeat and escalation sweeps only: the others (silence release, reconcile) have their own tests. */
function repeatAndEscalate(sql: Sql) {
  const deps: SweepDeps = { sql, policy: inForce, logger: silentLogger(), deliveryJobs: () => undefined };
  return followupSweeps(deps).filter((sweep) => sweep.name === 'repeat' || sweep.name === 'escalate');
}

describe('the repeat and escalation sweeps on PostgreSQL', () => {
  it('two replicas sweeping at once write each repeat and each step once', async () => {
    const id = await incident('web', 'sent');
    const now = new Date();
    const run = (sql: Sql) => Promise.all(repeatAndEscalate(sql).map((sweep) => sweep.run(now)));
    const concurrent = (await Promise.all([run(a), run(b), run(a), run(b)])).flat();
    // A sweep that found the incident locked by another skipped it; a later pass takes it then.
    const after: number[] = [];
    for (const sweep of repeatAndEscalate(a)) after.push(await sweep.run(now));
    expect([...concurrent, ...after].reduce((sum, n) => sum + n, 0)).toBe(2);
    expect(await followups(id)).toEqual([
      { kind: 'escalated', group: 'leads', revision: 1 },
      { kind: 'repeat', group: 'ops', revision: 1 },
    ]);
    const [step] =
      await a`SELECT step, alert_group, group_name FROM incident_escalations WHERE incident_id = ${id}`;
    expect(step).toEqual({ step: 0, alertGroup: 'leads', groupName: 'Team leads' });
  });

  it('a firing that was held, or not sent yet, is neither repeated nor escalated', async () => {
    const held = await incident('held', 'held');
    const pending = await incident('pending', undefined);
    for (const sweep of repeatAndEscalate(a)) await sweep.run(new Date());
    expect(await followups(held)).toEqual([]);
    expect(await followups(pending)).toEqual([]);
  });

  it('an acknowledged or resolved incident is left alone', async () => {
    const acked = await incident('acked', 'sent');
    const resolved = await incident('resolved', 'sent');
    await a`UPDATE incidents SET acked_at = now(), acked_by = 'alice' WHERE id = ${acked}`;
    await a`UPDATE incidents SET resolved_at = now() WHERE id = ${resolved}`;
    for (const sweep of repeatAndEscalate(a)) await sweep.run(new Date());
    expect(await followups(acked)).toEqual([]);
    expect(await followups(resolved)).toEqual([]);
  });

  it('locks only the incidents that are due: ingest can resolve the others meanwhile', async () => {
    const due = await incident('due', 'sent');
    const notDue = await incident('not-due', 'sent');
    const lockNow = (id: number) => b`SELECT id FROM incidents WHERE id = ${id} FOR UPDATE NOWAIT`;
    const seen = await createFollowupStore(a).transaction(async (tx) => {
      const pending = await tx.pendingIncidents(['ops'], (incident) => incident.id === due, new Date());
      // why: while the sweep's transaction is open, another connection can lock (and so resolve) the rest
      await expect(lockNow(notDue)).resolves.toHaveLength(1);
      await expect(lockNow(due)).rejects.toMatchObject({ code: '55P03' });
      return pending.map((incident) => incident.id);
    });
    expect(seen).toEqual([due]);
  });

  it('reads no incident opened too recently to be due: the sweep costs nothing for fresh incidents', async () => {
    const fresh = await incident('fresh', 'sent');
    const asked: number[] = [];
    await createFollowupStore(a).transaction((tx) =>
      tx.pendingIncidents(
        ['ops'],
        (incident) => {
          asked.push(incident.id);
          return false;
        },
        new Date(Date.now() - 3_600_000),
      ),
    );
    expect(asked).not.toContain(fresh);
  });
});
