import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificates, type TestCertificates } from '../../testing/certs.js';
import { listenStartTls } from '../../testing/tls-servers.js';
import { defaultPortSpec, type PortSpecInput, type Step } from './spec.js';
import { probePort } from './tcp.js';

let dir: string;
let certificates: TestCertificates;
let expiring: TestCertificates;
let caFile: string;
let expiringCa: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-starttls-'));
  [certificates, expiring] = await Promise.all([createCertificates(), createCertificates({ validDays: 3 })]);
  caFile = path.join(dir, 'ca.pem');
  expiringCa = path.join(dir, 'expiring-ca.pem');
  await writeFile(caFile, certificates.caPem);
  await writeFile(expiringCa, expiring.caPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

/** A real SMTP server (the smtp-server package) on loopback port 0, offering STARTTLS. */
async function smtpServer(certs: TestCertificates, options: SMTPServerOptions = {}): Promise<number> {
  const server = new SMTPServer({
    name: 'mx.test',
    key: certs.keyPem,
    cert: certs.certPem,
    authOptional: true,
    // Never ask the system resolver about the client: it is off-machine here.
    disableReverseLookup: true,
    logger: false,
    ...options,
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.server.address() as AddressInfo).port;
}

const expectText = (text: string): Step => ({
  kind: 'expect',
  expect: { texts: [text], regexes: [], mode: 'all', ignoreCase: false },
});

const spec = (port: number, input: PortSpecInput) =>
  defaultPortSpec({ port, caFile, timeoutMs: 5000, ...input });

describe('STARTTLS against a real SMTP server', () => {
  it('negotiates, verifies the certificate, then runs the dialogue inside TLS', async () => {
    const port = await smtpServer(certificates);
    const result = await probePort(
      spec(port, {
        starttls: 'smtp',
        crlf: true,
        steps: [{ kind: 'send', bytes: Buffer.from('EHLO inside') }, expectText('250 ')],
        quit: 'QUIT',
        transcript: true,
      }),
      {},
    );
    expect(result).toMatchObject({ outcome: 'up' });
    expect(result.detail).toMatch(/^found "250 " in "250-mx\.test Nice to meet you, \[127\.0\.0\.1\]\\r\\n/);
    const texts = result.transcript!.entries.map((e) => `${e.direction} ${e.text}`);
    expect(texts.slice(0, 7)).toEqual([
      `note connected to 127.0.0.1:${port}`,
      expect.stringMatching(/^received 220 mx\.test ESMTP/),
      'sent EHLO portwarden\\r\\n',
      expect.stringMatching(/^received 250-mx\.test Nice to meet you.*\\r\\n250 STARTTLS\\r\\n$/),
      'sent STARTTLS\\r\\n',
      'received 220 Ready to start TLS\\r\\n',
      expect.stringMatching(/^note TLS established: TLSv1\.3 /),
    ]);
    expect(texts.slice(7)).toEqual([
      'sent EHLO inside\\r\\n',
      expect.stringMatching(/^received 250-/),
      'sent QUIT\\r\\n',
    ]);
    expect(result.timings.firstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('is up with no dialogue once TLS is established', async () => {
    const port = await smtpServer(certificates);
    const result = await probePort(spec(port, { starttls: 'smtp' }), {});
    expect(result).toMatchObject({ outcome: 'up', detail: expect.stringMatching(/^connected, TLSv1\.3 /) });
  });

  it('cert-expiring: the certificate behind STARTTLS expires in 3 days', async () => {
    const port = await smtpServer(expiring);
    const result = await probePort(
      spec(port, { starttls: 'smtp', caFile: expiringCa, certExpiresWithinMs: 14 * 86_400_000 }),
      {},
    );
    expect(result).toMatchObject({
      reason: 'cert-expiring',
      detail: `certificate CN=localhost, O=Portwarden Tests expires on ${expiring.notAfter.toISOString()}, within 14d`,
    });
  });

  it('tls: the server does not offer STARTTLS', async () => {
    const port = await smtpServer(certificates, { disabledCommands: ['STARTTLS'] });
    const result = await probePort(spec(port, { starttls: 'smtp' }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'tls' });
    expect(result.durationMs).toBeLessThan(1000);
    expect(result.detail).toMatch(/^SMTP STARTTLS: expected \/\^220 \[\^\\n\]\*\\n\/ but received "5\d\d /);
  });

  it('tls: the certificate is not trusted', async () => {
    const port = await smtpServer(certificates);
    const result = await probePort(spec(port, { starttls: 'smtp', caFile: expiringCa }), {});
    expect(result).toMatchObject({ reason: 'tls' });
    // Both test CAs have the same name, so OpenSSL finds the wrong one and its signature fails.
    expect(result.detail).toMatch(
      /^TLS handshake with 127\.0\.0\.1:\d+ failed: .+ \(CERT_SIGNATURE_FAILURE\)$/,
    );
  });
});

describe('STARTTLS for IMAP, POP3 and FTP', () => {
  for (const protocol of ['imap', 'pop3', 'ftp'] as const) {
    it(`${protocol}: upgrades, then talks inside TLS`, async () => {
      const server = await listenStartTls(protocol, certificates);
      cleanup.push(() => server.close());
      const result = await probePort(
        spec(server.port, {
          starttls: protocol,
          crlf: true,
          steps: [{ kind: 'send', bytes: Buffer.from('NOOP') }, expectText('OK NOOP')],
        }),
        {},
      );
      expect(result).toMatchObject({ outcome: 'up', detail: 'found "OK NOOP" in "OK NOOP\\r\\n"' });
    });

    it(`${protocol}: tls when the server declines`, async () => {
      const server = await listenStartTls(protocol, certificates, { refuse: true });
      cleanup.push(() => server.close());
      const result = await probePort(spec(server.port, { starttls: protocol }), {});
      expect(result).toMatchObject({ outcome: 'down', reason: 'tls' });
      // A complete refusal ends the negotiation at once, without waiting for the timeout.
      expect(result.durationMs).toBeLessThan(1000);
      expect(result.detail).toMatch(
        /^(IMAP STARTTLS|POP3 STLS|FTP AUTH TLS): expected \/.+\/ but received "/,
      );
    });
  }
});
