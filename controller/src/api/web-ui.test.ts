import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

const INDEX =
  '<!doctype html><title>Portwarden</title><script type="module" src="/assets/app-1a2b.js"></script>';

let db: TestDatabase;
let admin: TestAdminToken;
let controller: Controller;
let root: string;
let base: string;

beforeAll(async () => {
  // A stand-in for web/dist, so that this test does not depend on the UI's build.
  root = await mkdtemp(join(tmpdir(), 'pw-web-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'assets', 'app-1a2b.js'), 'console.log(1);\n');
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, { adminTokenFile: admin.file, webRoot: root });
  base = (await controller.start()).httpUrl;
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
  await admin?.remove();
  await rm(root, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the web UI on the API origin', () => {
  it.each([
    // why: the UI's home
    ['/'],
    // why: what a notification's generatorURL opens must be the UI, which routes it
    ['/incidents/7'],
    // why: a query string does not make it something else
    ['/incidents?status=open'],
  ])('answers a browser asking for %s with the UI, no token needed', async (path) => {
    const response = await fetch(`${base}${path}`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
  });

  it('serves the hashed assets for a year and other files for revalidation', async () => {
    const asset = await fetch(`${base}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const other = await fetch(`${base}/favicon.svg`);
    expect(other.headers.get('cache-control')).toBe('no-cache');
  });

  it.each([
    // why: an unknown API route is the API's JSON error, and needs a token before it says so
    ['/api/v1/nope', html, 401],
    // why: a program (curl's */*) asking for a missing file gets the JSON 404, not a page
    ['/missing.js', { accept: '*/*' }, 404],
  ])('keeps %s a JSON error', async (path, headers, status) => {
    const response = await fetch(`${base}${path}`, { headers });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });

  it('answers an unknown API route with the JSON 404 once the token is good', async () => {
    const response = await fetch(`${base}/api/v1/nope`, { headers: { ...html, ...admin.headers } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it.each([['/'], ['/incidents/7'], ['/assets/app-1a2b.js']])(
    'refuses %s for a Host it does not serve (DNS rebinding)',
    async (path) => {
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(path, base);
        request(url, { headers: { ...html, host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(421);
    },
  );

  it('leaves the UI out of the OpenAPI document', async () => {
    const document = (await (
      await fetch(`${base}/api/v1/openapi.json`, { headers: admin.headers })
    ).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toContain('/api/v1/whoami');
    expect(
      Object.keys(document.paths)
        .filter((path) => !path.startsWith('/api'))
        .sort(),
    ).toEqual(['/healthz', '/livez', '/readyz']);
  });

  it('tells a token who it is: the UI shows buttons by role', async () => {
    const response = await fetch(`${base}/api/v1/whoami`, { headers: admin.headers });
    expect(await response.json()).toEqual({ name: 'bootstrap-admin', role: 'admin' });
    expect((await fetch(`${base}/api/v1/whoami`)).status).toBe(401);
  });
});
