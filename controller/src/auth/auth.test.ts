import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { ROUTE_RULES } from './route-rules.js';
import { hashApiToken } from './token.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let sql: postgres.Sql;

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, alertGroup: ops }]
`;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  await controller.applyPolicy(POLICY);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

/** fetch() sets Host itself; node:http sends the one given, to 127.0.0.1 whatever it names. */
function withHost(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}${path}`, { headers: { host, ...admin.headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject).end();
  });
}

const call = (
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

interface Created {
  id: number;
  name: string;
  role: string;
  token: string;
  createdAt: string;
  expiresAt: string | null;
}

const create = async (role: string, name: string, ttl?: string): Promise<Created> => {
  const response = await call('POST', '/api/v1/api-tokens', admin.token, { role, name, ...(ttl && { ttl }) });
  expect(response.status).toBe(201);
  return (await response.json()) as Created;
};

describe('API authentication and roles', () => {
  it('answers each caller as its token and role allow', async () => {
    const viewer = await create('viewer', 'matrix-viewer');
    const operator = await create('operator', 'matrix-operator');
    const expired = await create('viewer', 'matrix-expired', '1h');
    await sql`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${expired.id}`;
    const revoked = await create('admin', 'matrix-revoked');
    expect((await call('DELETE', `/api/v1/api-tokens/${revoked.id}`, admin.token)).status).toBe(200);

    const testNow = ['POST', '/api/v1/agents/nobody/test', { check: 'web' }] as const;
    const cases: [
      string,
      readonly [string, string, unknown?],
      string | undefined,
      number,
      string | RegExp,
    ][] = [
      ['no token', ['GET', '/api/v1/agents'], undefined, 401, /no API token/],
      ['a bad token', ['GET', '/api/v1/agents'], 'pwt_not-a-token', 401, /unknown API token/],
      ['an expired token', ['GET', '/api/v1/agents'], expired.token, 401, /expired/],
      ['a revoked token', ['GET', '/api/v1/agents'], revoked.token, 401, /revoked/],
      ['a viewer reading', ['GET', '/api/v1/agents'], viewer.token, 200, ''],
      ['a viewer on an admin route', ['PUT', '/api/v1/policy'], viewer.token, 403, /needs admin/],
      ['a viewer on test now', testNow, viewer.token, 403, /needs operator/],
      ['an operator on an admin route', ['POST', '/api/v1/tokens', {}], operator.token, 403, /needs admin/],
      // allowed; the agent does not exist
      ['an operator on test now', testNow, operator.token, 404, /no agent "nobody"/],
      ['an admin', ['GET', '/api/v1/api-tokens'], admin.token, 200, ''],
    ];
    for (const [what, [method, path, body], token, status, message] of cases) {
      const response = await call(method, path, token, body);
      expect({ what, status: response.status }).toEqual({ what, status });
      if (status < 400) continue;
      const { error } = (await response.json()) as {
        error: { code: string; message: string; hint?: string };
      };
      expect(error.message, what).toMatch(message);
      expect(error.hint, what).toEqual(expect.any(String));
      if (status === 401) expect(error.code).toBe('unauthenticated');
      if (status === 403) expect(error.code).toBe('forbidden');
    }
  });

  it('names the bootstrap flag when no token is sent', async () => {
    const { error } = (await (await call('GET', '/api/v1/checks')).json()) as { error: { hint: string } };
    expect(error.hint).toMatch(/--admin-token-file/);
  });

  it('shows a token once and stores only its hash', async () => {
    const created = await create('viewer', 'once', '30d');
    expect(created.token).toMatch(/^pwt_[A-Za-z0-9_-]{43}$/);
    expect(new Date(created.expiresAt!).getTime() - new Date(created.createdAt).getTime()).toBeCloseTo(
      30 * 86_400_000,
      -4,
    );
    const listed = await (await call('GET', '/api/v1/api-tokens', admin.token)).text();
    expect(listed).toContain('"once"');
    expect(listed).not.toContain(created.token);
    expect(listed).not.toMatch(/hash/);
    const [row] = await sql<{ hash: Buffer; text: string }[]>`
      SELECT hash, api_tokens::text AS text FROM api_tokens WHERE id = ${created.id}`;
    expect(row!.hash.equals(hashApiToken(created.token))).toBe(true);
    expect(row!.text).not.toContain(created.token);
  });

  it('refuses a second live token of the same name, and a bad request', async () => {
    await create('viewer', 'twice');
    const again = await call('POST', '/api/v1/api-tokens', admin.token, { role: 'viewer', name: 'twice' });
    expect(again.status).toBe(409);
    for (const body of [
      { role: 'root', name: 'x' },
      { role: 'viewer', name: 'bootstrap-admin' },
      { role: 'viewer', name: 'y', ttl: 'soon' },
    ])
      expect((await call('POST', '/api/v1/api-tokens', admin.token, body)).status).toBe(400);
    expect((await call('DELETE', '/api/v1/api-tokens/999999', admin.token)).status).toBe(404);
    expect((await call('DELETE', '/api/v1/api-tokens/abc', admin.token)).status).toBe(404);
  });

  it('writes last_used_at once, not on every request', async () => {
    const viewer = await create('viewer', 'touchy');
    const lastUsed = async () =>
      (
        await sql<
          { lastUsedAt: Date | null }[]
        >`SELECT last_used_at AS "lastUsedAt" FROM api_tokens WHERE id = ${viewer.id}`
      )[0]!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await call('GET', '/api/v1/agents', viewer.token);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await call('GET', '/api/v1/agents', viewer.token);
    expect(await lastUsed()).toEqual(first);
  });

  it('writes one audit row per admin or operator action, newest first, and none for reads', async () => {
    const operator = await create('operator', 'audited-operator');
    await call('POST', '/api/v1/agents/web-1/test', operator.token, { check: 'web' });
    const made = await create('viewer', 'audited-viewer');
    await call('DELETE', `/api/v1/api-tokens/${made.id}`, admin.token);
    await call('GET', '/api/v1/agents', admin.token);
    const response = await call('GET', '/api/v1/audit?limit=3', admin.token);
    const { entries } = (await response.json()) as { entries: Record<string, string>[] };
    expect(entries.map(({ actor, role, action, target }) => ({ actor, role, action, target }))).toEqual([
      { actor: 'bootstrap-admin', role: 'admin', action: 'api-token-revoke', target: String(made.id) },
      { actor: 'bootstrap-admin', role: 'admin', action: 'api-token-create', target: 'audited-viewer' },
      { actor: 'audited-operator', role: 'operator', action: 'test-now', target: 'web-1 web' },
    ]);
    expect(entries[0]!.source).toMatch(/127\.0\.0\.1/);
    expect(new Date(entries[0]!.at!).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('audits a policy apply and an enrollment token request', async () => {
    await call('PUT', '/api/v1/policy', admin.token, undefined, { 'content-type': 'application/yaml' });
    await call('POST', '/api/v1/tokens', admin.token, {});
    const { entries } = (await (await call('GET', '/api/v1/audit?limit=2', admin.token)).json()) as {
      entries: { action: string }[];
    };
    expect(entries.map((e) => e.action)).toEqual(['enrollment-token-create', 'policy-apply']);
  });

  it('audits an agent revocation, with the agent as target and the answer it got', async () => {
    const response = await call('POST', '/api/v1/agents/rogue-7/revoke', admin.token);
    const { entries } = (await (await call('GET', '/api/v1/audit?limit=1', admin.token)).json()) as {
      entries: Record<string, string>[];
    };
    expect(entries.map(({ actor, role, action, target }) => ({ actor, role, action, target }))).toEqual([
      { actor: 'bootstrap-admin', role: 'admin', action: 'agent-revoke', target: 'rogue-7' },
    ]);
    // This controller has no CA: the attempt is refused, and audited all the same.
    const [row] = await sql<{ detail: { status: number } }[]>`
      SELECT detail FROM audit WHERE action = 'agent-revoke' ORDER BY id DESC LIMIT 1`;
    expect(row!.detail).toEqual({ status: response.status });
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a foreign Host header with 421, before looking at the token', async () => {
    const port = new URL(base).port;
    for (const host of [`evil.example:${port}`, 'localhost:1']) {
      const response = await withHost(host, '/api/v1/agents');
      expect(response.status).toBe(421);
      expect((JSON.parse(response.body) as { error: { code: string } }).error.code).toBe('misdirected');
    }
    expect((await withHost(`localhost:${port}`, '/api/v1/agents')).status).toBe(200);
  });

  it('declares the role of every registered /api route in route-rules.ts, and nothing more', async () => {
    const { routes } = (await (await call('GET', '/api/v1', admin.token)).json()) as { routes: string[] };
    const registered = routes.map((line) => line.replace(/ \(\w+\)$/, ''));
    expect(registered.toSorted()).toEqual(Object.keys(ROUTE_RULES).toSorted());
  });
});

describe('--admin-token-file', () => {
  it('writes a new admin token with mode 0600 and reuses it after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-bootstrap-'));
    const file = join(dir, 'admin-token');
    const own = await createTestDatabase();
    try {
      const first = testController(own.url, { adminTokenFile: file });
      let url = (await first.start()).httpUrl;
      const token = (await readFile(file, 'utf8')).trim();
      expect(token).toMatch(/^pwt_/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const ok = (url: string) =>
        fetch(`${url}/api/v1/api-tokens`, { headers: { authorization: `Bearer ${token}` } });
      expect((await ok(url)).status).toBe(200);
      await first.stop();
      const second = testController(own.url, { adminTokenFile: file });
      url = (await second.start()).httpUrl;
      expect((await readFile(file, 'utf8')).trim()).toBe(token);
      expect((await ok(url)).status).toBe(200);
      await second.stop();
    } finally {
      await own.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 15_000); // two controllers start and stop in turn

  it('refuses to start when the directory of the file does not exist', async () => {
    const own = await createTestDatabase();
    try {
      const controller = testController(own.url, {
        adminTokenFile: join(tmpdir(), 'pw-no-such-dir-x9', 'admin-token'),
      });
      await expect(controller.start()).rejects.toMatchObject({
        code: 'config',
        hint: expect.stringMatching(/create the directory/),
      });
    } finally {
      await own.drop();
    }
  });

  it('without it, and without tokens, answers 401 with a hint naming it', async () => {
    const own = await createTestDatabase();
    const bare = testController(own.url);
    try {
      const url = (await bare.start()).httpUrl;
      const response = await fetch(`${url}/api/v1/agents`);
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/--admin-token-file/);
    } finally {
      await bare.stop();
      await own.drop();
    }
  });
});
