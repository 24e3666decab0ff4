import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificates, type TestCertificates } from '../../testing/certs.js';
import { listen, type TestServer } from '../../testing/servers.js';
import { listenTls } from '../../testing/tls-servers.js';
import type { Lookup } from './resolve.js';
import { defaultPortSpec, type PortSpecInput } from './spec.js';
import { createPortProbe, probePort } from './tcp.js';

let dir: string;
let good: TestCertificates;
let expiring: TestCertificates;
/** PEM of the CA that signed `good` and `expiring`'s certificates, on disk for caFile. */
let goodCa: string;
let expiringCa: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-tls-'));
  [good, expiring] = await Promise.all([
    createCertificates({ dnsNames: ['localhost', 'mail.test'] }),
    createCertificates({ validDays: 3 }),
  ]);
  goodCa = path.join(dir, 'good-ca.pem');
  expiringCa = path.join(dir, 'expiring-ca.pem');
  await writeFile(goodCa, good.caPem);
  await writeFile(expiringCa, expiring.caPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serveTls(
  certificates: TestCertificates,
  onSecure: (socket: TLSSocket) => void = (socket) => socket.write('220 secure\r\n'),
  options: { host?: string } = {},
) {
  const server = await listenTls(certificates, onSecure, options);
  servers.push(server);
  return server;
}

const spec = (port: number, input: PortSpecInput = {}) =>
  defaultPortSpec({ port, tls: true, caFile: goodCa, timeoutMs: 5000, ...input });

describe('implicit TLS', () => {
  it('is up once the handshake is verified and the expected text arrives inside TLS', async () => {
    const { port } = await serveTls(good);
    const result = await probePort(spec(port, { expect: '220', transcript: true }), {});
    expect(result).toMatchObject({ outcome: 'up', detail: 'found "220" in "220 secure\\r\\n"' });
    expect(result.transcript?.entries.map((e) => e.direction)).toEqual(['note', 'note', 'received']);
    expect(result.transcript?.entries[1]?.text).toMatch(/^TLS established: TLSv1\.3 /);
    expect(result.timings.tlsMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.tlsMs).toBeLessThanOrEqual(result.durationMs);
  });

  it('names the protocol and cipher when connecting is enough', async () => {
    const { port } = await serveTls(good);
    const result = await probePort(spec(port), {});
    expect(result).toMatchObject({
      outcome: 'up',
      detail: expect.stringMatching(/^connected, TLSv1\.3 TLS_\w+$/),
    });
  });

  it('works over IPv6 loopback (the certificate names ::1)', async () => {
    const { port } = await serveTls(good, undefined, { host: '::1' });
    expect((await probePort(spec(port, { host: '::1', expect: '220' }), {})).outcome).toBe('up');
  });

  it('tls: an unknown CA, with OpenSSL reason and code', async () => {
    const { port } = await serveTls(good);
    const result = await probePort(spec(port, { caFile: '' }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'tls',
      detail: `TLS handshake with 127.0.0.1:${port} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    });
    expect(result.transcript?.entries.map((e) => e.text)).toEqual([`connected to 127.0.0.1:${port}`]);
  });

  it('is up with an unknown CA when verification is off', async () => {
    const { port } = await serveTls(good);
    expect((await probePort(spec(port, { caFile: '', tlsVerify: false, expect: '220' }), {})).outcome).toBe(
      'up',
    );
  });

  it('tls: the certificate does not name the server', async () => {
    const { port } = await serveTls(good);
    const result = await probePort(spec(port, { sni: 'other.test' }), {});
    expect(result).toMatchObject({ reason: 'tls' });
    expect(result.detail).toMatch(
      /^TLS handshake with 127\.0\.0\.1:\d+ failed: Host: other\.test\. is not in the cert's altnames: DNS:localhost, DNS:mail\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1 \(ERR_TLS_CERT_ALTNAME_INVALID\)$/,
    );
  });

  it('sends the host name as SNI and checks the certificate against it', async () => {
    let servername: string | false | null | undefined;
    const { port } = await serveTls(good, (socket) => {
      servername = socket.servername;
      socket.write('220 named\r\n');
    });
    const lookup: Lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    const result = await createPortProbe({ lookup })(spec(port, { host: 'mail.test', expect: 'named' }), {});
    expect(result.outcome).toBe('up');
    expect(servername).toBe('mail.test');
  });

  it('tls: a plain-text server answering the handshake', async () => {
    const server = await listen((socket) => socket.write('220 plain text\r\n'));
    servers.push(server);
    const result = await probePort(spec(server.port), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'tls' });
    expect(result.detail).toMatch(/^TLS handshake with 127\.0\.0\.1:\d+ failed: .+ \(ERR_SSL_\w+\)$/);
  });

  it('read-timeout: a server that accepts and never answers the handshake', async () => {
    const server = await listen(() => {});
    servers.push(server);
    const result = await probePort(spec(server.port, { timeoutMs: 300 }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'read-timeout',
      detail: `TLS handshake with 127.0.0.1:${server.port} unfinished after 300 ms`,
    });
  });

  it('closed: a server that hangs up during the handshake', async () => {
    const server = await listen((socket) => socket.once('data', () => socket.end()));
    servers.push(server);
    const result = await probePort(spec(server.port), {});
    expect(result).toMatchObject({
      reason: 'closed',
      detail: `connection closed by peer during the TLS handshake with 127.0.0.1:${server.port}`,
    });
  });

  it('tls: the CA file cannot be read, or holds no certificate', async () => {
    const { port } = await serveTls(good);
    const missing = path.join(dir, 'missing.pem');
    expect(await probePort(spec(port, { caFile: missing }), {})).toMatchObject({
      reason: 'tls',
      detail: `cannot read caFile ${missing}: ENOENT`,
    });
    const garbage = path.join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate\n');
    expect(await probePort(spec(port, { caFile: garbage }), {})).toMatchObject({
      reason: 'tls',
      detail: `caFile ${garbage} holds no PEM certificate`,
    });
  });
});

describe('certificate expiry', () => {
  it('cert-expiring: a certificate expiring in 3 days, checked for 14, names its subject and notAfter', async () => {
    const { port } = await serveTls(expiring);
    const fortnight = 14 * 86_400_000;
    const result = await probePort(
      spec(port, { caFile: expiringCa, certExpiresWithinMs: fortnight, expect: '220' }),
      {},
    );
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'cert-expiring',
      detail: `certificate CN=localhost, O=Portwarden Tests expires on ${expiring.notAfter.toISOString()}, within 14d`,
    });
  });

  it('is up when the certificate outlives the window', async () => {
    const { port } = await serveTls(expiring);
    const result = await probePort(spec(port, { caFile: expiringCa, certExpiresWithinMs: 86_400_000 }), {});
    expect(result.outcome).toBe('up');
  });

  it('a broken conversation wins over an expiring certificate', async () => {
    const { port } = await serveTls(expiring);
    const result = await probePort(
      spec(port, {
        caFile: expiringCa,
        certExpiresWithinMs: 14 * 86_400_000,
        expect: 'nope',
        timeoutMs: 300,
      }),
      {},
    );
    expect(result.reason).toBe('expect-mismatch');
  });
});
