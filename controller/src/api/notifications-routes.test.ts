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
  viewer = await mintApiToken(base, admin, 'viewer', 'notifications-viewer');
});

afterAll(async () => {
  await controller?.stop();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  await admin?.remove();
});

const get = (path: string, token: string | undefined = viewer) =>
  fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

interface Listed {
  notifications: {
    outboxId: number;
    channelKey: string;
    status: string;
    attempts: number;
    error: string | null;
  }[];
}

describe('GET /api/v1/notifications', () => {
  it('shows a viewer each delivery of an incident, failed, retrying and pending alike', async () => {
    const event = await insertOutboxEvent(sql, {
      channels: [{ webhook: { url: 'http://127.0.0.1:9/hook' } }, { log: {} }, { log: {} }],
    });
    const log = createPgNotificationLog(sql);
    const error = 'POST http://127.0.0.1:9 answered 503 (gave up after 8 attempts)';
    await log.record({
      outboxId: event.outboxId,
      channelKey: 'critical#0:webhook',
      status: 'failed',
      attempts: 8,
      error,
    });
    await log.record({
      outboxId: event.outboxId,
      channelKey: 'critical#1:log',
      status: 'retrying',
      attempts: 2,
      error: 'x',
    });

    const response = await get(`/api/v1/notifications?incident=${event.incidentId}`);
    expect(response.status).toBe(200);
    const { notifications } = (await response.json()) as Listed;
    expect(notifications.map((n) => [n.channelKey, n.status, n.attempts]).sort()).toEqual([
      ['critical#0:webhook', 'failed', 8],
      ['critical#1:log', 'retrying', 2],
      ['critical#2:log', 'pending', 0],
    ]);
    expect(notifications.find((n) => n.status === 'failed')).toMatchObject({
      outboxId: event.outboxId,
      incidentId: event.incidentId,
      event: 'opened',
      alertGroup: 'critical',
      channelKind: 'webhook',
      error,
    });

    const failed = (await (await get(`/api/v1/notifications?status=failed`)).json()) as Listed;
    expect(failed.notifications.map((n) => n.status)).toEqual(['failed']);
  });

  it('needs a token', async () => {
    const response = await get('/api/v1/notifications', '');
    expect(response.status).toBe(401);
  });

  it.each([
    // why: a status the log never has is a typo, not an empty list.
    ['status=lost'],
    // why: the limit is bounded as on every list.
    ['limit=1001'],
    ['incident=abc'],
    // why: strict: an unknown parameter (a misspelt filter) would otherwise list everything.
    ['agent=web-1'],
  ])('answers %s with 400 and the error body', async (query) => {
    const response = await get(`/api/v1/notifications?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toBeTruthy();
  });
});
