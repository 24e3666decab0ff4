import { get } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../controller.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { testHttpsCertificate } from '../testing/https-certificate.js';

let db: TestDatabase;
let controller: Controller;
let url: string;
let caPem: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const { cert, key, caPem: ca } = await testHttpsCertificate();
  caPem = ca;
  controller = testController(db.url, { httpTls: { cert, key } });
  ({ httpUrl: url } = await controller.start());
});

afterAll(async () => {
  await controller?.stop();
  await db?.drop();
});

/** GET over HTTPS, trusting only `ca` (Node's own CAs when undefined). */
function getHttps(target: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(target, { ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('the HTTP API with --http-tls-cert and --http-tls-key', () => {
  it('speaks HTTPS with the given certificate, and says so in its URL', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await getHttps(`${url}/livez`, caPem);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(getHttps(`${url}/livez`)).rejects.toThrow(/certificate/);
  });
});
