import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, UnreachableError } from './client.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/auth')
      return res.writeHead(200).end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res
          .writeHead(200)
          .end(JSON.stringify({ type: req.headers['content-type'], body: Buffer.concat(chunks).toString() })),
      );
      return;
    }
    if (req.url === '/policy-error') {
      return res.writeHead(400).end(
        JSON.stringify({
          error: {
            code: 'policy-invalid',
            message: 'policy rejected',
            hint: 'fix it',
            issues: [{ path: 'checks[0].port', line: 3, message: 'bad' }],
          },
        }),
      );
    }
    res.writeHead(502).end('<html>bad gateway</html>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('API client', () => {
  it('returns the parsed body', async () => {
    expect(await createClient(base).get('/ok')).toEqual({ a: 1 });
  });

  it('sends the token as a bearer token, and none when there is none', async () => {
    expect(await createClient(base, 'pwt_x').get('/auth')).toEqual({ authorization: 'Bearer pwt_x' });
    expect(await createClient(base).get('/auth')).toEqual({ authorization: null });
  });

  it('posts JSON', async () => {
    expect(await createClient(base).post('/echo', { check: 'web' })).toEqual({
      type: 'application/json',
      body: '{"check":"web"}',
    });
  });

  it('turns an error body into an ApiError with its issues and hint', async () => {
    const error = await createClient(base)
      .get('/policy-error')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'policy-invalid',
      hint: 'fix it',
      issues: [{ path: 'checks[0].port', line: 3 }],
    });
  });

  it('keeps the start of a non-JSON error body', async () => {
    const error = await createClient(base)
      .get('/proxy')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, message: 'HTTP 502: <html>bad gateway</html>' });
  });

  it('says where it looked when nothing answers', async () => {
    const error = await createClient('http://127.0.0.1:9')
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).hint).toContain('PORTWARDEN_URL');
  });

  it('says where it looked when nothing answers on a pinned https URL', async () => {
    const error = await createClient('https://127.0.0.1:9', 'pwt_x', `sha256:${'ab'.repeat(32)}`)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
  });
});
