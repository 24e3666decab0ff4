import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMatcher } from '@portwarden/common/matchers';
import { sampleEvent } from '../silence/testing.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { createDb, type Sql } from './db.js';
import { migrate } from './migrate.js';
import { createCoverSource, createFiringLookup, createReleaseStore, createSilenceStore } from './silences.js';

let db: TestDatabase;
let sql: Sql;
/** A second pool: another replica. */
let replica: Sql;
let agentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  replica = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  const [agent] = await sql<{ id: number }[]>`INSERT INTO agents (name) VALUES ('db-1') RETURNING id`;
  agentId = agent!.id;
});

afterAll(async () => {
  await replica?.end();
  await sql?.end();
  await db?.drop();
});

const { outboxId: _unused, ...payload } = sampleEvent();

/** An open incident with one opened outbox event, recorded on one channel with `status`. */
let checks = 0;
async function incidentWithFiring(status: string, note: string | null) {
  // One open incident per (agent, check): each its own check.
  const checkId = `check-${(checks += 1)}`;
  const [incident] = await sql<{ id: number }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
    VALUES (${agentId}, ${checkId}, 'Web Server', 'ops', 'refused', '', now()) RETURNING id`;
  const [outbox] = await sql<{ id: number }[]>`
    INSERT INTO outbox (incident_id, event, payload, relayed_at)
    VALUES (${incident!.id}, 'opened', ${sql.json({ ...payload, incidentId: incident!.id } as never)}, now()) RETURNING id`;
  await sql`INSERT INTO notifications (outbox_id, channel_key, status, attempts, error)
            VALUES (${outbox!.id}, 'ops#0:webhook', ${status}, 0, ${note})`;
  return { incidentId: incident!.id, outboxId: outbox!.id };
}

const outboxOf = (incidentId: number) =>
  sql<{ id: number; event: string; payload: { notice?: { kind: string; text: string } } }[]>`
    SELECT id, event, payload FROM outbox WHERE incident_id = ${incidentId} ORDER BY id`;

describe('silence store', () => {
  it('creates, lists (with recently ended ones) and expires once', async () => {
    const store = createSilenceStore(sql);
    const now = new Date();
    const created = await store.create({
      matchers: [parseMatcher('check=web')],
      startsAt: now,
      endsAt: new Date(now.getTime() + 3_600_000),
      comment: 'c',
      createdBy: 'alice',
    });
    expect(created).toMatchObject({ matchers: [{ name: 'check', op: '=', value: 'web' }], expiredAt: null });
    expect((await createCoverSource(sql).silences(now)).map((s) => s.id)).toContain(created.id);
    const later = new Date(now.getTime() + 1000);
    const expired = await store.expire(created.id, later);
    expect(expired?.expiredAt).toEqual(later);
    expect((await store.expire(created.id, new Date(now.getTime() + 2000)))?.expiredAt).toEqual(later);
    expect(await store.expire(987_654, now)).toBeUndefined();
    expect((await createCoverSource(sql).silences(later)).map((s) => s.id)).not.toContain(created.id);
    expect((await store.list(now)).map((s) => s.id)).toContain(created.id);
    expect((await store.list(new Date(now.getTime() + 5000))).map((s) => s.id)).not.toContain(created.id);
  });

  it('finds the firing a resolve follows, on its own channel', async () => {
    const { incidentId, outboxId } = await incidentWithFiring('held', 'silence 7');
    const lookup = createFiringLookup(sql);
    const resolve = { ...sampleEvent(), event: 'resolved' as const, incidentId, outboxId: outboxId + 1000 };
    expect(await lookup.firingBefore(resolve, 'ops#0:webhook')).toEqual({
      status: 'held',
      note: 'silence 7',
    });
    expect(await lookup.firingBefore(resolve, 'ops#1:log')).toBeUndefined();
    expect(await lookup.firingBefore({ ...resolve, outboxId }, 'ops#0:webhook')).toBeUndefined();
    await sql`UPDATE incidents SET resolved_at = now() WHERE id = ${incidentId}`;
  });
});

describe('release store', () => {
  it('two replicas sweeping at once write one release; later passes write none', async () => {
    const { incidentId } = await incidentWithFiring('held', 'silence 7');
    const release = (held: { payload: typeof payload }) => ({
      ...held.payload,
      notice: { kind: 'released' as const, text: 'released' },
    });
    const written = await Promise.all([
      createReleaseStore(sql).releaseHeld(release),
      createReleaseStore(replica).releaseHeld(release),
    ]);
    expect(written.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await createReleaseStore(replica).releaseHeld(release)).toBe(0);
    const rows = await outboxOf(incidentId);
    expect(rows.map((r) => [r.event, r.payload.notice?.kind])).toEqual([
      ['opened', undefined],
      ['opened', 'released'],
    ]);
    await sql`UPDATE incidents SET resolved_at = now() WHERE id = ${incidentId}`;
  });

  it('passes over sent firings, resolved incidents, and what the decision keeps', async () => {
    const sent = await incidentWithFiring('sent', null);
    const resolved = await incidentWithFiring('held', 'silence 8');
    await sql`UPDATE incidents SET resolved_at = now() WHERE id = ${resolved.incidentId}`;
    const kept = await incidentWithFiring('held', 'silence 9');
    const seen: number[] = [];
    const written = await createReleaseStore(sql).releaseHeld((held) => {
      seen.push(held.incidentId);
      expect(held.note).toBe('silence 9');
      return undefined;
    });
    expect(written).toBe(0);
    expect(seen).toEqual([kept.incidentId]);
    expect(await outboxOf(sent.incidentId)).toHaveLength(1);
  });
});
