import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yamlAliasBomb } from '@portwarden/common/testing';
import { createController, type Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let controller: Controller;
let base: string;
let admin: TestAdminToken;

const GOOD = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, alertGroup: ops }]
`;
const BAD = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: web, port: 8080, alertGroup: ops, colour: blue }
  - { name: db, port: 70000, alertGroup: ops }
  - { port: 25, alertGroup: ops }
`;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = createController({
    databaseUrl: db.url,
    adminTokenFile: admin.file,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 2,
  });
  base = (await controller.start()).httpUrl;
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

const put = (body: string, type = 'application/yaml') =>
  fetch(`${base}/api/v1/policy`, {
    method: 'PUT',
    body,
    headers: { 'content-type': type, ...admin.headers },
  });

const get = (path: string) => fetch(`${base}${path}`, { headers: admin.headers });

const post = (path: string, body?: object) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...admin.headers, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  });

describe('HTTP API', () => {
  it('applies a policy as a new revision and serves it back', async () => {
    const response = await put(GOOD);
    expect(response.status).toBe(201);
    const { revision } = (await response.json()) as { revision: number };
    const current = (await (await get('/api/v1/policy')).json()) as {
      revision: number;
      source: string;
    };
    expect(current).toMatchObject({ revision, source: GOOD });
  });

  it('rejects a bad policy whole with every error and keeps the previous revision', async () => {
    const before = (await (await get('/api/v1/policy')).json()) as { revision: number };
    const response = await put(BAD);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; issues: { path: string; line: number }[] };
    };
    expect(body.error.code).toBe('policy-invalid');
    expect(body.error.issues.map((i) => [i.path, i.line])).toEqual([
      ['checks[0].colour', 4],
      ['checks[1].port', 5],
      ['checks[2].name', 6],
    ]);
    const after = (await (await get('/api/v1/policy')).json()) as { revision: number };
    expect(after.revision).toBe(before.revision);
  });

  it('validates without applying (apply --dry-run): time to first page, no revision, no audit row', async () => {
    const before = (await (await get('/api/v1/policy')).json()) as { revision: number };
    const audited = async () =>
      ((await (await get('/api/v1/audit')).json()) as { entries: unknown[] }).entries.length;
    const auditBefore = await audited();
    const grouped = GOOD.replace('[{ log: {} }] }', '[{ log: {} }], groupBy: [agent], groupWait: 45s }');
    const response = await fetch(`${base}/api/v1/policy/validate`, {
      method: 'POST',
      body: grouped.replace(
        'port: 8080, ',
        'port: 8080, interval: 1m, failuresBeforeAlert: 3, timeout: 5s, ',
      ),
      headers: { 'content-type': 'application/yaml', ...admin.headers },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      valid: true,
      checks: 1,
      alertGroups: 1,
      warnings: [],
      firstPage: [
        {
          checkId: 'web',
          name: 'web',
          alertGroup: 'ops',
          intervalMs: 60_000,
          failuresBeforeAlert: 3,
          timeoutMs: 5_000,
          groupWaitMs: 45_000,
          firstPageMs: 230_000,
          enabled: true,
        },
      ],
    });
    const invalid = await fetch(`${base}/api/v1/policy/validate`, {
      method: 'POST',
      body: BAD,
      headers: { 'content-type': 'application/yaml', ...admin.headers },
    });
    expect(invalid.status).toBe(400);
    const { error } = (await invalid.json()) as { error: { issues: { path: string }[] } };
    expect(error.issues.map((i) => i.path)).toEqual(['checks[0].colour', 'checks[1].port', 'checks[2].name']);
    const after = (await (await get('/api/v1/policy')).json()) as { revision: number };
    expect(after.revision).toBe(before.revision);
    expect(await audited()).toBe(auditBefore);
  });

  it('answers a YAML alias bomb with 400 and the line where the aliases start', async () => {
    const response = await put(yamlAliasBomb());
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; issues: unknown[] } };
    expect(error.code).toBe('policy-invalid');
    expect(error.issues).toEqual([
      { path: '(yaml)', line: 2, message: expect.stringMatching(/^aliases expand to too much data/) },
    ]);
  });

  it("reports resolve's errors with the schema's in one answer", async () => {
    const response = await put(
      'alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks:\n  - { name: web, port: 0, alertGroup: ops }\n  - { name: db, port: 5432, alertGroup: dba, tlsVerify: false }\n',
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { issues: unknown[] } };
    expect(error.issues).toEqual([
      { path: 'checks[0].port', line: 3, message: 'a port is 1-65535' },
      { path: 'checks[1].tlsVerify', line: 4, message: 'needs tls: true or starttls' },
      { path: 'checks[1].alertGroup', line: 4, message: 'unknown alert group "dba"' },
    ]);
  });

  it('answers an identical policy with "unchanged" and keeps the revision in force', async () => {
    const source =
      'alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks: [{ name: smtp, port: 25, alertGroup: ops }]\n';
    const first = await put(source);
    expect(first.status).toBe(201);
    const { revision } = (await first.json()) as { revision: number };
    // Comments, layout and a default written out change no check.
    const sameMeaning = `# mail\nalertGroups:\n  ops: { channels: [{ log: {} }] }\nchecks:\n  - { name: smtp, port: 25, alertGroup: ops, enabled: true }\n`;
    for (const text of [source, sameMeaning]) {
      const again = await put(text);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ revision, checks: 1, unchanged: true });
    }
    const current = (await (await get('/api/v1/policy')).json()) as {
      revision: number;
      source: string;
    };
    expect(current).toMatchObject({ revision, source });
    const changed = await put(source.replace('port: 25', 'port: 587'));
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({ revision: revision + 1, unchanged: false });
  });

  it('makes one revision of the same new policy sent twice at once', async () => {
    const source =
      'alertGroups: { ops: { channels: [{ log: {} }] } }\nchecks: [{ name: imap, port: 143, alertGroup: ops }]\n';
    const answers = await Promise.all([put(source), put(source)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    const [a, b] = (await Promise.all(answers.map((r) => r.json()))) as { revision: number }[];
    expect(a!.revision).toBe(b!.revision);
  });

  // [why, request, expected status, expected error code]
  const badInputs: [string, () => Promise<Response>, number, string][] = [
    ['an empty policy body', () => put('   '), 400, 'bad-request'],
    [
      'a JSON body where YAML is expected',
      () => put('{"checks": 1}', 'application/json'),
      400,
      'bad-request',
    ],
    ['a policy over 1 MiB', () => put('#'.repeat(1024 * 1024 + 1)), 413, 'bad-request'],
    ['an unknown incident filter', () => get('/api/v1/incidents?status=maybe'), 400, 'bad-request'],
    ['a limit out of range', () => get('/api/v1/incidents?limit=0'), 400, 'bad-request'],
    ['an unknown route', () => get('/api/v1/nothing'), 404, 'not-found'],
    ['an unsupported content type', () => put('x', 'application/octet-stream'), 415, 'bad-request'],
    [
      'a token request without TLS (--insecure)',
      () => post('/api/v1/tokens', {}),
      409,
      'enrollment-disabled',
    ],
    [
      'a revocation without TLS (--insecure)',
      () => post('/api/v1/agents/a/revoke'),
      409,
      'enrollment-disabled',
    ],
  ];
  it.each(badInputs)('answers %s with a clear error', async (_why, request, status, code) => {
    const response = await request();
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('serves /livez, and /readyz with /healthz as its alias, outside /api and without a token', async () => {
    expect(await (await fetch(`${base}/livez`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const report = await ready.json();
    expect(report).toMatchObject({
      status: 'ready',
      checks: {
        postgres: { ok: true },
        redis: { ok: true, skipped: 'in-process delivery' },
        grpc: { ok: true },
      },
    });
    const alias = await fetch(`${base}/healthz`);
    expect(alias.status).toBe(200);
    expect(await alias.json()).toMatchObject({ status: 'ready' });
  });
});
