import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../state/event.js';
import { dueGroups, groupNotification, withGrouping } from '../state/grouping.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createAgentStore } from './agents.js';
import { createDb, type Sql } from './db.js';
import { migrate } from './migrate.js';
import { addOutbox } from './outbox.js';
import { createOutboxGroups } from './outbox-groups.js';

let db: TestDatabase;
let sql: Sql;
let other: Sql;
let agentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  // A second pool: another replica.
  other = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  agentId = (
    await createAgentStore(sql).connect({
      name: 'web-1',
      labels: {},
      os: 'linux',
      hostname: 'web-1',
      agentVersion: '0.1.0',
      configRevision: 0,
    })
  ).id;
});

afterAll(async () => {
  await sql?.end();
  await other?.end();
  await db?.drop();
});

const t0 = new Date('2026-12-07T12:00:00Z');

/** Books a grouped opening of check `checkId` on agent `agent`, as bookTransition would. */
async function bookGrouped(checkId: string, agent: string, waitMs = 1000): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx<{ id: number }[]>`
      INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
      VALUES (${agentId}, ${`${agent}/${checkId}`}, ${checkId}, 'ops', 'refused', '', ${t0}) RETURNING id`;
    const check = { id: checkId, name: checkId, host: '127.0.0.1', port: 80 };
    const event: Omit<IncidentEvent, 'outboxId'> = {
      event: 'opened',
      incidentId: row!.id,
      check,
      agent: { name: agent, hostname: agent, labels: {} },
      alertGroup: { id: 'ops', name: 'Ops' },
      policyRevision: 1,
      reason: 'refused',
      detail: '',
      consecutiveFailures: 1,
      startsAt: t0.toISOString(),
    };
    const subject = { agent: { id: agentId, name: agent, hostname: agent, labels: {} }, check };
    await addOutbox(tx, row!.id, withGrouping(event, subject, { by: ['agent'], waitMs }, t0));
  });
}

const flushAt = (store: ReturnType<typeof createOutboxGroups>, now: Date) =>
  store.flush(now, (pending) =>
    dueGroups(pending, now).map((members) => ({ notification: groupNotification(members), members })),
  );

describe('the group flush on PostgreSQL', () => {
  it('keeps members waiting until due, and after a failed flush', async () => {
    await bookGrouped('a', 'web-1');
    const groups = createOutboxGroups(sql);
    expect(await flushAt(groups, t0)).toBe(0);
    // A crash while deciding rolls the transaction back: the member still waits.
    await expect(
      groups.flush(new Date(t0.getTime() + 60_000), () => {
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    const [waiting] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbox WHERE group_key IS NOT NULL AND group_flushed_at IS NULL`;
    expect(waiting!.n).toBe(1);
  });

  it('reads only the groups due: a long wait elsewhere never crowds them out of the batch', async () => {
    await bookGrouped('slow', 'db-9', 3_600_000);
    const seen: string[] = [];
    await createOutboxGroups(sql).flush(new Date(t0.getTime() + 1000), (pending) => {
      seen.push(...pending.map((m) => m.event.check.id));
      return [];
    });
    expect(seen).toEqual(['a']);
  });

  it('puts each member in exactly one notification, with two replicas flushing at once', async () => {
    for (let i = 0; i < 20; i += 1) await bookGrouped(`c${i}`, i % 2 ? 'web-1' : 'web-2');
    const due = new Date(t0.getTime() + 1000);
    const written = await Promise.all([
      flushAt(createOutboxGroups(sql), due),
      flushAt(createOutboxGroups(other), due),
      flushAt(createOutboxGroups(sql), due),
    ]);
    // Two agents: at least two notifications (a replica may have taken part of a batch), and
    // every member listed once in all of them together.
    const total = written.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(2);
    const rows = await sql<{ id: number; payload: Omit<IncidentEvent, 'outboxId'> }[]>`
      SELECT id, payload FROM outbox WHERE payload ? 'members' ORDER BY id`;
    expect(rows).toHaveLength(total);
    const listed = rows.flatMap((row) => row.payload.members!.map((m) => m.check.id)).sort();
    expect(listed).toEqual(['a', ...Array.from({ length: 20 }, (_, i) => `c${i}`)].sort());
    const members = await sql<{ flushed: boolean; groupOutboxId: number | null }[]>`
      SELECT group_flushed_at IS NOT NULL AS flushed, group_outbox_id AS "groupOutboxId"
      FROM outbox WHERE group_key IS NOT NULL AND payload->'check'->>'id' <> 'slow'`;
    expect(members.every((m) => m.flushed && m.groupOutboxId !== null)).toBe(true);
    // Another pass finds nothing to flush: never twice.
    expect(await flushAt(createOutboxGroups(other), new Date(due.getTime() + 60_000))).toBe(0);
  });
});
