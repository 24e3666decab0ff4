import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let sql: postgres.Sql;
let operator: string;
let viewer: string;

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, alertGroup: ops }]
`;

const call = (method: string, path: string, token?: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

async function token(role: string, name: string): Promise<string> {
  const response = await call('POST', '/api/v1/api-tokens', admin.token, { role, name });
  return ((await response.json()) as { token: string }).token;
}

/** An incident as ingest books it: the row and its opened event in the outbox. */
async function incident(resolved = false): Promise<number> {
  const [agent] = await sql<{ id: number }[]>`
    INSERT INTO agents (name) VALUES (${`web-${Math.random().toString(36).slice(2)}`}) RETURNING id`;
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at, resolved_at)
    VALUES (${agent!.id}, 'web', 'web', 'ops', 'refused', 'connect ECONNREFUSED', now(),
            ${resolved ? sql`now()` : null}) RETURNING id`;
  const payload = {
    event: 'opened',
    incidentId: Number(row!.id),
    alertGroup: { id: 'ops', name: 'ops' },
    reason: 'refused',
  };
  await sql`INSERT INTO outbox (incident_id, event, payload, relayed_at)
            VALUES (${row!.id}, 'opened', ${sql.json(payload)}, now())`;
  return Number(row!.id); // bigserial comes back as a string
}

const acks = (id: number) => sql<{ payload: { notice?: { kind: string; by?: string; text: string } } }[]>`
  SELECT payload FROM outbox WHERE incident_id = ${id} AND payload->'notice'->>'kind' = 'acknowledged'`;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  await controller.applyPolicy(POLICY);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  operator = await token('operator', 'alice');
  viewer = await token('viewer', 'victor');
});

afterAll(async () => {
  await sql?.end();
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

describe('POST /api/v1/incidents/:id/ack', () => {
  it('needs a token, and the operator role', async () => {
    const id = await incident();
    expect((await call('POST', `/api/v1/incidents/${id}/ack`, undefined, {})).status).toBe(401);
    expect((await call('POST', `/api/v1/incidents/${id}/ack`, viewer, {})).status).toBe(403);
    expect(await acks(id)).toHaveLength(0);
  });

  it("records who acknowledged, writes one acknowledged event for the incident's group and one audit row", async () => {
    const id = await incident();
    const response = await call('POST', `/api/v1/incidents/${id}/ack`, operator, { comment: 'on it' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      incident: id,
      alreadyAcknowledged: false,
      acknowledged: { by: 'alice', comment: 'on it' },
    });
    const events = await acks(id);
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        event: 'opened',
        incidentId: id,
        alertGroup: { id: 'ops', name: 'ops' },
        notice: { kind: 'acknowledged', by: 'alice', text: 'Acknowledged by alice: on it' },
      }),
    ]);
    const audit =
      await sql`SELECT actor, role, action, target, detail FROM audit WHERE action = 'incident-ack'`;
    expect(audit).toContainEqual({
      actor: 'alice',
      role: 'operator',
      action: 'incident-ack',
      target: String(id),
      detail: { status: 200 },
    });
    const listed = (await (await call('GET', '/api/v1/incidents?status=open', viewer)).json()) as {
      incidents: { id: number; ackedBy: string | null; ackComment: string | null; ackedAt: string | null }[];
    };
    expect(listed.incidents.find((i) => i.id === id)).toMatchObject({
      ackedBy: 'alice',
      ackComment: 'on it',
      ackedAt: expect.any(String),
    });
  });

  it('is idempotent: a second ack changes nothing, writes nothing and says so', async () => {
    const id = await incident();
    expect((await call('POST', `/api/v1/incidents/${id}/ack`, operator, {})).status).toBe(200);
    const again = await call('POST', `/api/v1/incidents/${id}/ack`, admin.token, { comment: 'me too' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ alreadyAcknowledged: true, acknowledged: { by: 'alice' } });
    expect(await acks(id)).toHaveLength(1);
  });

  it('answers 404 for an unknown incident and 409 for a resolved one', async () => {
    const missing = await call('POST', '/api/v1/incidents/999999/ack', operator, {});
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { code: 'not-found', message: 'no incident 999999' },
    });
    const id = await incident(true);
    const resolved = await call('POST', `/api/v1/incidents/${id}/ack`, operator, {});
    expect(resolved.status).toBe(409);
    expect(await resolved.json()).toMatchObject({ error: { code: 'conflict' } });
    expect(await acks(id)).toHaveLength(0);
  });

  it('rejects an id that is not a number, and an unknown body key', async () => {
    expect((await call('POST', '/api/v1/incidents/abc/ack', operator, {})).status).toBe(400);
    const id = await incident();
    expect((await call('POST', `/api/v1/incidents/${id}/ack`, operator, { commment: 'x' })).status).toBe(400);
  });
});
