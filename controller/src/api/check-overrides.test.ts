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
let operator: string;
let viewer: string;

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
defaults: { alertGroup: ops }
checks:
  - { name: Web Server, id: web, port: 8080 }
  - { name: Mail, port: 25, agents: { role: mail } }
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

const post = async (path: string, body: unknown, token = operator) => {
  const response = await call('POST', path, token, body);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function token(role: string, name: string): Promise<string> {
  const response = await call('POST', '/api/v1/api-tokens', admin.token, { role, name });
  return ((await response.json()) as { token: string }).token;
}

/** The status board's rows of a check, by agent. */
async function board(checkId: string): Promise<Record<string, Pick<CheckStatus, 'status' | 'disabled'>>> {
  const { checks } = (await (await call('GET', '/api/v1/checks', viewer)).json()) as {
    checks: CheckStatus[];
  };
  return Object.fromEntries(
    checks
      .filter((c) => c.checkId === checkId)
      .map((c) => [c.agent, { status: c.status, disabled: c.disabled }]),
  );
}

const audit = (action: string) =>
  sql`SELECT actor, role, action, target, detail FROM audit WHERE action = ${action} ORDER BY id`;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  await controller.applyPolicy(POLICY);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  await sql`INSERT INTO agents (name, labels) VALUES ('web-1', '{"role":"web"}'), ('web-2', '{"role":"web"}')`;
  operator = await token('operator', 'alice');
  viewer = await token('viewer', 'victor');
});

afterAll(async () => {
  await sql?.end();
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

describe('POST /api/v1/checks/:id/disable and /enable', () => {
  it('need a token, and the operator role', async () => {
    for (const action of ['disable', 'enable']) {
      expect((await call('POST', `/api/v1/checks/web/${action}`, undefined, {})).status).toBe(401);
      expect((await call('POST', `/api/v1/checks/web/${action}`, viewer, {})).status).toBe(403);
    }
    expect(await sql`SELECT * FROM check_overrides`).toHaveLength(0);
    expect(await board('web')).toMatchObject({ 'web-1': { status: 'pending', disabled: null } });
  });

  it('disable on one agent: recorded with who, when and why, shown on the board there only, audited', async () => {
    const before = Date.now();
    const answer = await post('/api/v1/checks/web/disable', {
      agent: 'web-1',
      comment: 'replacing the disk',
    });
    expect(answer).toMatchObject({
      status: 200,
      body: {
        check: { id: 'web', name: 'Web Server' },
        agent: 'web-1',
        changed: true,
        disabled: { agent: 'web-1', by: 'alice', comment: 'replacing the disk' },
      },
    });
    const at = Date.parse((answer.body.disabled as { at: string }).at);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(await board('web')).toEqual({
      'web-1': {
        status: 'disabled',
        disabled: { agent: 'web-1', by: 'alice', at: expect.any(String), comment: 'replacing the disk' },
      },
      'web-2': { status: 'pending', disabled: null },
    });
    expect(await audit('check-disable')).toEqual([
      {
        actor: 'alice',
        role: 'operator',
        action: 'check-disable',
        target: 'web agent=web-1',
        detail: { status: 200 },
      },
    ]);
  });

  it('is idempotent: disabling again keeps the first who and when and says nothing changed', async () => {
    const first = (await board('web'))['web-1']!.disabled;
    // By its name this time, and by the admin.
    const again = await post(
      `/api/v1/checks/${encodeURIComponent('Web Server')}/disable`,
      { agent: 'web-1' },
      admin.token,
    );
    expect(again).toMatchObject({ status: 200, body: { changed: false, disabled: first } });
    expect(await sql`SELECT * FROM check_overrides`).toHaveLength(1);
  });

  it('enable on that agent lifts it; again changes nothing', async () => {
    expect(await post('/api/v1/checks/web/enable', { agent: 'web-1' })).toMatchObject({
      status: 200,
      body: { check: { id: 'web' }, agent: 'web-1', changed: true },
    });
    expect(await board('web')).toMatchObject({ 'web-1': { status: 'pending', disabled: null } });
    expect(await post('/api/v1/checks/web/enable', { agent: 'web-1' })).toMatchObject({
      status: 200,
      body: { changed: false },
    });
    expect((await audit('check-enable')).map((r) => [r.actor, r.target, r.detail])).toEqual([
      ['alice', 'web agent=web-1', { status: 200 }],
      ['alice', 'web agent=web-1', { status: 200 }],
    ]);
  });

  it('disable without an agent disables it on every agent; one agent cannot be enabled alone; enable lifts all', async () => {
    await post('/api/v1/checks/web/disable', { agent: 'web-2' });
    expect(await post('/api/v1/checks/web/disable', {})).toMatchObject({
      status: 200,
      body: { agent: null, changed: true, disabled: { agent: null, by: 'alice', comment: null } },
    });
    const everywhere = await board('web');
    expect(everywhere['web-1']).toMatchObject({ status: 'disabled', disabled: { agent: null } });
    // web-2's own override comes first: its who and when.
    expect(everywhere['web-2']).toMatchObject({ status: 'disabled', disabled: { agent: 'web-2' } });
    // Already off on every agent, so on web-1 too.
    expect(await post('/api/v1/checks/web/disable', { agent: 'web-1' })).toMatchObject({
      body: { changed: false, disabled: { agent: null } },
    });

    const alone = await post('/api/v1/checks/web/enable', { agent: 'web-1' });
    expect(alone).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect((alone.body.error as { message: string }).message).toContain('disabled on every agent (by alice');
    expect(await post('/api/v1/checks/web/enable', {})).toMatchObject({
      status: 200,
      body: { changed: true },
    });
    expect(await board('web')).toEqual({
      'web-1': { status: 'pending', disabled: null },
      'web-2': { status: 'pending', disabled: null },
    });
    expect(await sql`SELECT * FROM check_overrides`).toHaveLength(0);
    expect((await audit('check-disable')).at(-2)).toMatchObject({ target: 'web' });
  });

  it('answers 404 for a check not in the policy in force and for an unknown agent; 409 where the agent does not run it', async () => {
    expect(await post('/api/v1/checks/nope/disable', {})).toMatchObject({
      status: 404,
      body: { error: { code: 'not-found', message: 'no check "nope" in the policy in force' } },
    });
    expect((await post('/api/v1/checks/nope/enable', {})).status).toBe(404);
    expect(await post('/api/v1/checks/web/disable', { agent: 'ghost' })).toMatchObject({
      status: 404,
      body: { error: { code: 'not-found', message: 'no agent "ghost"' } },
    });
    expect((await post('/api/v1/checks/web/enable', { agent: 'ghost' })).status).toBe(404);
    expect(await post('/api/v1/checks/mail/disable', { agent: 'web-1' })).toMatchObject({
      status: 409,
      body: { error: { message: 'agent web-1 does not run check "Mail"' } },
    });
    expect(await sql`SELECT * FROM check_overrides`).toHaveLength(0);
  });

  it('rejects an unknown body key and an empty comment', async () => {
    expect((await post('/api/v1/checks/web/disable', { agnet: 'web-1' })).status).toBe(400);
    expect((await post('/api/v1/checks/web/disable', { comment: ' ' })).status).toBe(400);
    expect((await post('/api/v1/checks/web/enable', { comment: 'x' })).status).toBe(400);
  });
});
