import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { insertOutboxEvent } from '../outbox/testing/fixtures.js';
import { createDb, type Sql } from '../store/db.js';
import { createPgNotificationLog } from '../store/notification-log.js';
import { mintApiToken, testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let sql: Sql;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let viewer: string;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  sql = createDb({ url: db.url, maxConnections: 1 });
  viewer = await mintApiToken(base, admin, 'viewer', 'incident-viewer');
});

afterAll(async () => {
  await controller?.stop();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  await admin?.remove();
});

const get = (path: string, token: string) =>
  fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

interface Detail {
  incident: { id: number; checkId: string; alertGroup: string; resolvedAt: string | null };
  notifications: { channelKey: string; status: string; error: string | null }[];
  responses: { incidentId: number; verdict: string }[];
  silences: { note: string; silence: number | null; held: number }[];
}

describe('GET /api/v1/incidents/:id', () => {
  it('shows a viewer the incident with its notifications, response rounds and the silences that held it', async () => {
    const event = await insertOutboxEvent(sql, {
      channels: [{ log: {} }, { log: {} }, { log: {} }],
    });
    const log = createPgNotificationLog(sql);
    const held = { outboxId: event.outboxId, status: 'held' as const, attempts: 0, error: 'silence 7' };
    await log.record({ ...held, channelKey: 'critical#0:log' });
    await log.record({ ...held, channelKey: 'critical#1:log' });
    await log.record({ outboxId: event.outboxId, channelKey: 'critical#2:log', status: 'sent', attempts: 1 });
    const [incidentRow] = await sql<{ agentId: number }[]>`
      SELECT agent_id FROM incidents WHERE id = ${event.incidentId}`;
    await sql`
      INSERT INTO responses (agent_id, check_id, check_name, seq, started_at, verdict, trigger, attempts,
                             outcome, reason, detail, incident_id)
      VALUES (${incidentRow!.agentId}, 'https', 'Web HTTPS', 1, now(), 'failed', ${sql.json({})}, ${sql.json([])},
              'down', 'refused', 'still refused', ${event.incidentId})`;

    const response = await get(`/api/v1/incidents/${event.incidentId}`, viewer);
    expect(response.status).toBe(200);
    const detail = (await response.json()) as Detail;
    expect(detail.incident).toMatchObject({ id: event.incidentId, checkId: 'https', alertGroup: 'critical' });
    expect(detail.notifications.map((n) => [n.channelKey, n.status]).sort()).toEqual([
      ['critical#0:log', 'held'],
      ['critical#1:log', 'held'],
      ['critical#2:log', 'sent'],
    ]);
    expect(detail.responses).toMatchObject([{ incidentId: event.incidentId, verdict: 'failed' }]);
    expect(detail.silences).toMatchObject([{ note: 'silence 7', silence: 7, held: 2 }]);
  });

  it('answers 404 with the usual error body for an unknown incident, 401 without a token', async () => {
    const unknown = await get('/api/v1/incidents/987654', viewer);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'not-found', message: 'no incident 987654' },
    });
    expect((await get('/api/v1/incidents/1', '')).status).toBe(401);
  });
});
