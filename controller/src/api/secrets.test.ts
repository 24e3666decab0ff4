import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../controller.js';
import { deriveSecretsKey } from '../ca/sealed-key.js';
import { openSecret, sealSecret } from '../secrets/seal.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let insecure: Controller;
let base: string;
let insecureBase: string;
let viewer: { authorization: string };

const options = (url: string) => ({
  databaseUrl: url,
  adminTokenFile: admin.file,
  grpcListen: '127.0.0.1:0',
  httpListen: '127.0.0.1:0',
  dbMaxConnections: 2,
});

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = createController({
    ...options(db.url),
    tls: { caKey: 'the secret of the secrets tests, long enough' },
  });
  base = (await controller.start()).httpUrl;
  // The same database, no key: what a quick-start controller is.
  insecure = createController(options(db.url));
  insecureBase = (await insecure.start()).httpUrl;
  const created = await call(base, 'POST', '/api/v1/api-tokens', { role: 'viewer', name: 'grafana' });
  viewer = { authorization: `Bearer ${((await created.json()) as { token: string }).token}` };
});

afterAll(async () => {
  await insecure?.stop();
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

function call(at: string, method: string, path: string, body?: unknown, headers: object = admin.headers) {
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  return fetch(`${at}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': type }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

const policy = (header: string) => `
alertGroups:
  ops:
    channels:
      - webhook:
          url: http://127.0.0.1:9/hook
          headers:
            Authorization: "${header}"
checks: [{ name: web, port: 8080, alertGroup: ops }]
`;

const applyPolicy = (source: string, at = base) =>
  fetch(`${at}/api/v1/policy`, {
    method: 'PUT',
    body: source,
    headers: { ...admin.headers, 'content-type': 'application/yaml' },
  });

describe('secrets API', () => {
  it('sets, lists (never values), replaces and deletes a secret', async () => {
    expect((await call(base, 'PUT', '/api/v1/secrets/pd', 'value-one')).status).toBe(201);
    expect((await call(base, 'PUT', '/api/v1/secrets/pd', { value: 'value-two' })).status).toBe(200);
    const listed = await (await call(base, 'GET', '/api/v1/secrets')).text();
    expect(JSON.parse(listed)).toEqual({
      secrets: [{ name: 'pd', createdAt: expect.any(String), updatedAt: expect.any(String) }],
    });
    expect(listed).not.toContain('value-');
    expect((await call(base, 'DELETE', '/api/v1/secrets/pd')).status).toBe(200);
    expect((await call(base, 'DELETE', '/api/v1/secrets/pd')).status).toBe(404);
  });

  it('keeps only ciphertext, bound to the name', async () => {
    await call(base, 'PUT', '/api/v1/secrets/sealed-one', 'plain-value-42');
    const sql = postgres(db.url, { max: 1 });
    const [row] = await sql<{ sealed: Buffer }[]>`SELECT sealed FROM secrets WHERE name = 'sealed-one'`;
    await sql.end();
    expect(row!.sealed.includes('plain-value-42')).toBe(false);
    const key = await deriveSecretsKey(Buffer.from('the secret of the secrets tests, long enough'));
    expect(openSecret('sealed-one', row!.sealed, key)).toBe('plain-value-42');
    expect(() => openSecret('another-name', row!.sealed, key)).toThrow();
    const otherKey = await deriveSecretsKey(Buffer.from('another CA key secret, also long enough'));
    expect(() => openSecret('sealed-one', row!.sealed, otherKey)).toThrow();
    expect(sealSecret('a', 'v', key).equals(sealSecret('a', 'v', key))).toBe(false);
  });

  it.each([
    ['a bad name', 'PUT', '/api/v1/secrets/bad%20name', 'v', undefined, 400],
    ['an empty value', 'PUT', '/api/v1/secrets/x', { value: '' }, undefined, 400],
    ['a value over 8 KiB', 'PUT', '/api/v1/secrets/x', 'v'.repeat(8 * 1024 + 1), undefined, 400],
    ['a viewer setting', 'PUT', '/api/v1/secrets/x', 'v', 'viewer', 403],
    ['a viewer listing', 'GET', '/api/v1/secrets', undefined, 'viewer', 403],
    ['no token', 'GET', '/api/v1/secrets', undefined, {}, 401],
  ])('refuses %s', async (_what, method, path, body, who, status) => {
    const headers = who === 'viewer' ? viewer : (who ?? admin.headers);
    expect((await call(base, method, path, body, headers)).status).toBe(status);
  });

  it('answers 409 on a controller without --ca-key-file', async () => {
    const answer = await call(insecureBase, 'PUT', '/api/v1/secrets/x', 'v');
    expect(answer.status).toBe(409);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain(
      'secrets need --ca-key-file',
    );
  });

  it('audits who set and deleted which secret', async () => {
    await call(base, 'PUT', '/api/v1/secrets/audited', 'v');
    await call(base, 'DELETE', '/api/v1/secrets/audited');
    const { entries } = (await (await call(base, 'GET', '/api/v1/audit')).json()) as {
      entries: { action: string; target: string }[];
    };
    expect(entries.filter((e) => e.target === 'audited').map((e) => e.action)).toEqual([
      'secret-delete',
      'secret-set',
    ]);
  });
});

describe('policy with secrets', () => {
  it('refuses an unknown secret name with its path and line', async () => {
    const answer = await applyPolicy(policy('Bearer ${secret:nobody}'));
    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as { error: { issues: unknown[] } };
    expect(error.issues).toEqual([
      {
        path: 'alertGroups.ops.channels[0].webhook.headers.Authorization',
        line: 8,
        message: expect.stringContaining('no secret is named "nobody"'),
      },
    ]);
  });

  it('accepts a known secret name without warnings', async () => {
    await call(base, 'PUT', '/api/v1/secrets/known', 'v');
    const answer = await applyPolicy(policy('Bearer ${secret:known}'));
    expect(answer.status).toBe(201);
    expect(((await answer.json()) as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it('warns of a literal credential and shows it to admins only', async () => {
    const answer = await applyPolicy(policy('Bearer literal-cred-77'));
    expect(((await answer.json()) as { warnings: unknown[] }).warnings).toEqual([
      {
        path: 'alertGroups.ops.channels[0].webhook.headers.Authorization',
        line: 8,
        message: expect.stringContaining('literal credential'),
      },
    ]);
    const asAdmin = await (await call(base, 'GET', '/api/v1/policy')).text();
    expect(asAdmin).toContain('literal-cred-77');
    const asViewer = await (await call(base, 'GET', '/api/v1/policy', undefined, viewer)).text();
    expect(asViewer).not.toContain('literal-cred-77');
    expect(asViewer).toContain('[redacted]');
  });
});
