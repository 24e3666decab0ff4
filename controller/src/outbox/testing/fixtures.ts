import { randomBytes } from 'node:crypto';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import { silentLogger } from '@portwarden/common/logger';
import type { JSONValue } from 'postgres';
import { createDb, type Sql } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { createTestDatabase } from '../../testing/db.js';
import type { IncidentEvent } from '../../state/event.js';

export interface TestStore {
  sql: Sql;
  close(): Promise<void>;
}

/** A fresh migrated database and a pool on it; `close()` ends the pool and drops the database. */
export async function createTestStore(): Promise<TestStore> {
  const db = await createTestDatabase('pw_notify');
  const sql = createDb({ url: db.url, maxConnections: 6 });
  await migrate(sql, silentLogger());
  return {
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await db.drop();
    },
  };
}

export interface EventSpec {
  channels: ChannelDocument[];
  event?: 'opened' | 'resolved';
  agentLabels?: Record<string, string>;
}

/**
 * Writes what ingest writes for one incident event (agent, incident, outbox row) and returns the
 * event as the relay will hand it on.
 */
export async function insertOutboxEvent(sql: Sql, spec: EventSpec): Promise<IncidentEvent> {
  const name = `agent-${randomBytes(4).toString('hex')}`;
  const labels = spec.agentLabels ?? { env: 'test' };
  const [agent] = await sql<{ id: number }[]>`
    INSERT INTO agents (name, labels, hostname) VALUES (${name}, ${sql.json(labels)}, ${`${name}.example`})
    RETURNING id`;
  const openedAt = new Date('2026-11-21T10:00:00.000Z');
  const [incident] = await sql<{ id: number }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
    VALUES (${agent!.id}, 'https', 'Web HTTPS', 'critical', 'refused', 'connect ECONNREFUSED', ${openedAt})
    RETURNING id`;
  // The revision that routes the event: its alert group's channels are read from it when sending.
  const alertGroup = { id: 'critical', name: 'Critical Errors' };
  const resolved = { alertGroups: { critical: { ...alertGroup, channels: spec.channels } } };
  const [policy] = await sql<{ revision: number }[]>`
    INSERT INTO policy_revisions (source, resolved) VALUES ('', ${sql.json(resolved as JSONValue)})
    RETURNING revision`;
  const payload: Omit<IncidentEvent, 'outboxId'> = {
    event: spec.event ?? 'opened',
    incidentId: incident!.id,
    check: { id: 'https', name: 'Web HTTPS', host: '10.0.0.7', port: 443 },
    agent: { name, hostname: `${name}.example`, labels },
    alertGroup,
    policyRevision: policy!.revision,
    reason: 'refused',
    detail: 'connect ECONNREFUSED',
    consecutiveFailures: 1,
    startsAt: openedAt.toISOString(),
    ...(spec.event === 'resolved' ? { endsAt: '2026-11-21T10:05:00.000Z' } : {}),
  };
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO outbox (incident_id, event, payload)
    VALUES (${incident!.id}, ${payload.event}, ${sql.json(JSON.parse(JSON.stringify(payload)) as JSONValue)})
    RETURNING id`;
  return { ...payload, outboxId: row!.id };
}

/** Outbox ids still waiting for the relay. */
export async function pendingOutboxIds(sql: Sql): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`SELECT id FROM outbox WHERE relayed_at IS NULL ORDER BY id`;
  return rows.map((row) => row.id);
}
