import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { mintApiToken, testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let viewer: string;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file });
  base = (await controller.start()).httpUrl;
  viewer = await mintApiToken(base, admin, 'viewer', 'revisions-viewer');
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
});

const get = (path: string, token?: string) =>
  fetch(`${base}${path}`, {
    headers: token === undefined ? admin.headers : token ? { authorization: `Bearer ${token}` } : {},
  });

const policy = (port: number) => `
alertGroups:
  ops:
    channels:
      - webhook:
          url: http://127.0.0.1:9/hook
          headers:
            Authorization: "Bearer literal-cred-31"
checks: [{ name: web, port: ${port}, alertGroup: ops }]
`;

const apply = (source: string) =>
  fetch(`${base}/api/v1/policy`, {
    method: 'PUT',
    body: source,
    headers: { ...admin.headers, 'content-type': 'application/yaml' },
  });

interface Listed {
  revisions: { revision: number; createdAt: string; hash: string }[];
}

describe('policy revisions', () => {
  it('lists applied revisions newest first and serves each one, redacted for a viewer', async () => {
    const first = (await (await apply(policy(8080))).json()) as { revision: number };
    const second = (await (await apply(policy(8081))).json()) as { revision: number };

    const listed = await get('/api/v1/policy/revisions', viewer);
    expect(listed.status).toBe(200);
    const { revisions } = (await listed.json()) as Listed;
    expect(revisions.map((r) => r.revision)).toEqual([second.revision, first.revision]);
    expect(revisions[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(revisions[0]!.hash).not.toBe(revisions[1]!.hash);
    const limited = (await (await get('/api/v1/policy/revisions?limit=1', viewer)).json()) as Listed;
    expect(limited.revisions.map((r) => r.revision)).toEqual([second.revision]);

    const asAdmin = (await (await get(`/api/v1/policy/revisions/${first.revision}`)).json()) as {
      source: string;
    };
    expect(asAdmin.source).toContain('literal-cred-31');
    expect(asAdmin.source).toContain('port: 8080');
    const answer = await get(`/api/v1/policy/revisions/${first.revision}`, viewer);
    expect(answer.status).toBe(200);
    const asViewer = await answer.text();
    expect(asViewer).not.toContain('literal-cred-31');
    expect(asViewer).toContain('[redacted]');
    expect(asViewer).toContain('port: 8080');
  });

  it.each<[string, 'viewer' | 'none' | 'admin', number]>([
    // why: an unknown revision is the usual error body
    ['/api/v1/policy/revisions/99999', 'viewer', 404],
    // why: the list needs a token like every /api route
    ['/api/v1/policy/revisions', 'none', 401],
    // why: one revision too
    ['/api/v1/policy/revisions/1', 'none', 401],
    // why: a revision is a positive integer
    ['/api/v1/policy/revisions/abc', 'admin', 400],
  ])('GET %s answers the expected status', async (path, token, status) => {
    const response = await get(path, { viewer, none: '', admin: undefined }[token]);
    expect(response.status).toBe(status);
    if (status === 404)
      expect(await response.json()).toMatchObject({
        error: { code: 'not-found', message: 'no policy revision 99999' },
      });
  });
});
