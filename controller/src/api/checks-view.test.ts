import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import type { CheckStatus } from './checks-view.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let sql: postgres.Sql;

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
defaults: { alertGroup: ops }
checks:
  - { name: Web Server, id: web, port: 8080, successesBeforeResolve: 3, flapping: { changes: 4, window: 10m } }
  - { name: Mail, id: mail, port: 25 }
`;

const FLAPPING_SINCE = new Date('2026-12-07T11:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  await controller.applyPolicy(POLICY);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  // The state stage's rows as ingest leaves them: web-1 recovering (2 of 3 successes, its incident
  // still open), web-2 flapping, web-3 with no result yet.
  const [a1, a2] = await sql<{ id: string }[]>`
    INSERT INTO agents (name, labels) VALUES ('web-1', '{}'), ('web-2', '{}'), ('web-3', '{}')
    RETURNING id`;
  const [incident] = await sql<{ id: string }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
    VALUES (${a1!.id}, 'web', 'Web Server', 'ops', 'refused', '', now()) RETURNING id`;
  await sql`
    INSERT INTO check_state (agent_id, check_id, outcome, consecutive_failures, consecutive_successes,
                             since, last_seq, last_result_at, incident_id, flapping_since)
    VALUES (${a1!.id}, 'web', 'up', 0, 2, now(), 7, now(), ${incident!.id}, NULL),
           (${a2!.id}, 'web', 'down', 1, 0, now(), 9, now(), NULL, ${FLAPPING_SINCE})`;
});

afterAll(async () => {
  await sql?.end();
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

describe('GET /api/v1/checks', () => {
  it('tells recovery progress and flapping per (agent, check)', async () => {
    const response = await fetch(`${base}/api/v1/checks`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(response.status).toBe(200);
    const { checks } = (await response.json()) as { checks: CheckStatus[] };
    const row = (agent: string, checkId: string) => {
      const c = checks.find((x) => x.agent === agent && x.checkId === checkId);
      return (
        c && {
          status: c.status,
          consecutiveSuccesses: c.consecutiveSuccesses,
          successesBeforeResolve: c.successesBeforeResolve,
          flapping: c.flapping,
          incidentOpen: c.incidentId !== null,
        }
      );
    };
    expect(row('web-1', 'web')).toEqual({
      status: 'up',
      consecutiveSuccesses: 2,
      successesBeforeResolve: 3,
      flapping: null,
      incidentOpen: true,
    });
    expect(row('web-2', 'web')).toEqual({
      status: 'down',
      consecutiveSuccesses: 0,
      successesBeforeResolve: 3,
      flapping: { since: FLAPPING_SINCE.toISOString() },
      incidentOpen: false,
    });
    // The policy's default applies to a check that does not set it; no result yet: nothing counted.
    expect(row('web-3', 'mail')).toEqual({
      status: 'pending',
      consecutiveSuccesses: 0,
      successesBeforeResolve: 1,
      flapping: null,
      incidentOpen: false,
    });
  });
});
