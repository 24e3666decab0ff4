import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, writeConfig } from '../config.js';
import { normalizeFingerprint } from '../pinned.js';
import { login } from './login.js';

let server: Server;
let url: string;
let dir: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'pw-login-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const io = (stdin = '') => {
  const out: string[] = [];
  return {
    out,
    io: { out: (t: string) => out.push(t), note: () => {}, stdin: () => Promise.resolve(stdin) },
  };
};

describe('portwarden login', () => {
  it('over http: keeps the token without a fingerprint, beside the other contexts, as the current one', async () => {
    const config = join(dir, 'http.yaml');
    await writeConfig(config, {
      contexts: { lab: { url: 'http://127.0.0.1:1', token: 'pwt_lab' } },
      current: 'lab',
    });
    const { out, io: streams } = io(' pwt_from_stdin\n');
    await login({ url: `${url}/`, tokenFile: '-' }, config, streams);
    expect(seen.at(-1)).toBe('Bearer pwt_from_stdin');
    const host = new URL(url).host;
    expect(readConfig(config)).toEqual({
      contexts: {
        lab: { url: 'http://127.0.0.1:1', token: 'pwt_lab' },
        [host]: { url, token: 'pwt_from_stdin' },
      },
      current: host,
    });
    expect(out.join('')).toBe(`logged in to ${url} as context ${host} (${config})\n`);
  });

  it.each([
    ['no --url', { url: undefined, tokenFile: '-' }, /needs --url/],
    ['an empty token', { url: 'http://127.0.0.1:1', tokenFile: '-' }, /--token-file - is empty/],
    ['an unreadable token file', { url: 'http://127.0.0.1:1', tokenFile: '/nonexistent/token' }, /ENOENT/],
    [
      'a malformed fingerprint',
      { url: 'https://127.0.0.1:1', tokenFile: '-', caFingerprint: 'md5:00' },
      /not a SHA-256 certificate fingerprint/,
      'pwt_x',
    ],
  ])('refuses %s, before any request, and writes nothing', async (_case, opts, message, stdin = '  \n') => {
    const config = join(dir, 'refused.yaml');
    const requests = seen.length;
    await expect(login(opts, config, io(stdin).io)).rejects.toThrow(message);
    expect(seen.length).toBe(requests);
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });
});

describe('normalizeFingerprint', () => {
  const hex = 'ab'.repeat(32);
  it.each([
    ['ours', `sha256:${hex}`],
    ['upper case', `SHA256:${hex.toUpperCase()}`],
    ["openssl's", hex.toUpperCase().match(/../g)!.join(':')],
    ['bare hex', hex],
  ])('%s', (_case, given) => {
    expect(normalizeFingerprint(given)).toBe(`sha256:${hex}`);
  });
});
