import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatFingerprint, parseEnrollmentToken } from '@portwarden/common/enrollment-token';
import { testHttpsCertificate } from '@portwarden/controller/testing/https-certificate';
import { portwarden as runCli } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';

const fingerprint = (pem: string) =>
  `sha256:${createHash('sha256').update(new X509Certificate(pem).raw).digest('hex')}`;

describe('portwarden login against an HTTPS controller', () => {
  let fleet: Fleet;
  let dir: string;
  let config: string;
  let caPem: string;
  let leafPem: string;
  let controllerTls: { cert: string; key: string };
  let tokenFile: string;
  /** The CLI with its config in `config`, and no URL or token from this process's environment. */
  const portwarden = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { PORTWARDEN_CONFIG: config, PORTWARDEN_URL: '', PORTWARDEN_TOKEN: '', ...env });
  const login = (extra: string[], token = tokenFile, env: Record<string, string> = {}) =>
    portwarden(['login', '--url', fleet.httpUrl, '--token-file', token, ...extra], env);
  const lines = (text: string) => text.trimEnd().split('\n');

  beforeAll(async () => {
    const https = await testHttpsCertificate();
    caPem = https.caPem;
    controllerTls = https;
    leafPem = https.cert.slice(0, https.cert.indexOf('-----END CERTIFICATE-----') + 25);
    fleet = await new Fleet({ redis: false, controller: { httpTls: https } }).start();
    dir = await mkdtemp(join(tmpdir(), 'pw-login-'));
    config = join(dir, 'portwarden', 'config.yaml');
    tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${fleet.admin.token}\n`);
  });

  afterAll(async () => {
    await fleet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a token the controller refuses, in one line, and writes nothing', async () => {
    const bad = join(dir, 'bad-token');
    await writeFile(bad, 'pwt_not_a_token\n');
    const run = await login([], bad);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^portwarden: .*\(hint: /);
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a --ca-fingerprint the controller does not present, and writes nothing', async () => {
    const other = (await testHttpsCertificate()).caPem;
    const run = await login(['--ca-fingerprint', fingerprint(other)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^portwarden: the controller at https:\/\/127\.0\.0\.1:\d+ presented sha256:/);
    expect(lines(run.stderr)).toHaveLength(1);
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });

  it("keeps URL, token and the CA's fingerprint in a file only the user reads", async () => {
    const run = await login(['--name', 'prod']);
    expect(run.stderr).toContain(fingerprint(caPem));
    expect(run.code).toBe(0);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'portwarden'))).mode & 0o777).toBe(0o700);
    expect(parse(await readFile(config, 'utf8'))).toEqual({
      contexts: { prod: { url: fleet.httpUrl, token: fleet.admin.token, caFingerprint: fingerprint(caPem) } },
      current: 'prod',
    });
  });

  it("accepts the controller's own certificate given with --ca-fingerprint", async () => {
    const elsewhere = join(dir, 'leaf', 'config.yaml');
    const run = await login(['--ca-fingerprint', fingerprint(leafPem)], tokenFile, {
      PORTWARDEN_CONFIG: elsewhere,
    });
    expect(run.code).toBe(0);
    const get = await portwarden(['get', 'agents'], { PORTWARDEN_CONFIG: elsewhere });
    expect(get.code).toBe(0);
  });

  it('later commands use it without flags', async () => {
    const run = await portwarden(['get', 'agents', '-o', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.any(Array));
  });

  describe('a server at the pinned URL with another certificate', () => {
    let impostor: Server;
    const seen: (string | undefined)[] = [];
    let connections = 0;

    beforeAll(async () => {
      const other = await testHttpsCertificate();
      impostor = createServer({ cert: other.cert, key: other.key }, (req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      });
      impostor.on('connection', () => connections++);
      impostor.listen(0, '127.0.0.1');
      await once(impostor, 'listening');
      // The logged-in context, moved to the impostor's port: same pin, same token, another server.
      const url = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
      const logged = parse(await readFile(config, 'utf8')) as { contexts: { prod: object } };
      await writeFile(
        config,
        JSON.stringify({ contexts: { prod: { ...logged.contexts.prod, url } }, current: 'prod' }),
      );
    });

    afterAll(() => new Promise<void>((resolve) => impostor.close(() => resolve())));

    it('is refused in one line with a hint, and never sees a request or the token', async () => {
      const run = await portwarden(['get', 'agents']);
      expect(run.code).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toContain('not the certificate pinned at login');
      expect(run.stderr).toContain('hint: if the controller');
      expect(connections).toBe(1);
      expect(seen).toEqual([]);
    });
  });

  it("refuses a certificate of the pinned CA that does not name the URL's host", async () => {
    // The controller's own certificate (for 127.0.0.1 and localhost), served at 127.0.0.2.
    const seen: (string | undefined)[] = [];
    const elsewhere = createServer(controllerTls, (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end('[]');
    });
    elsewhere.listen(0, '127.0.0.2');
    await once(elsewhere, 'listening');
    try {
      const url = `https://127.0.0.2:${(elsewhere.address() as AddressInfo).port}`;
      const moved = join(dir, 'moved.yaml');
      const context = { url, token: fleet.admin.token, caFingerprint: fingerprint(caPem) };
      await writeFile(moved, JSON.stringify({ contexts: { moved: context }, current: 'moved' }));
      const run = await portwarden(['get', 'agents'], { PORTWARDEN_CONFIG: moved });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('presented a certificate that is not for 127.0.0.2');
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });
});

describe('portwarden login against a controller serving HTTPS from its own CA (--http-tls-from-ca)', () => {
  let fleet: Fleet;
  let dir: string;
  let config: string;
  const portwarden = (args: string[]) =>
    runCli(args, { PORTWARDEN_CONFIG: config, PORTWARDEN_URL: '', PORTWARDEN_TOKEN: '' });

  beforeAll(async () => {
    const tls = { caKey: 'a CA key secret for the login e2e test, long enough' };
    fleet = await new Fleet({ redis: false, controller: { tls, httpTlsFromCa: true } }).start();
    dir = await mkdtemp(join(tmpdir(), 'pw-login-ca-'));
    config = join(dir, 'config.yaml');
    await writeFile(join(dir, 'token'), `${fleet.admin.token}\n`);
  });

  afterAll(async () => {
    await fleet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pins the controller CA: the fingerprint enrollment tokens carry', async () => {
    expect(fleet.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const run = await portwarden(['login', '--url', fleet.httpUrl, '--token-file', join(dir, 'token')]);
    expect(run.code).toBe(0);
    const created = await portwarden(['token', 'create']);
    expect(created.code).toBe(0);
    const ca = formatFingerprint(parseEnrollmentToken(created.stdout.trim()).caFingerprint);
    expect(run.stderr).toContain(ca);
    const saved = parse(await readFile(config, 'utf8')) as {
      contexts: Record<string, { caFingerprint: string }>;
    };
    expect(Object.values(saved.contexts).map((c) => c.caFingerprint)).toEqual([ca]);
  });
});
