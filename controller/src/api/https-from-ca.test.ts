import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { get as getHttp } from 'node:http';
import { get as getHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { CertificateAuthority } from '../ca/authority.js';
import { openAuthority } from '../ca/open.js';
import type { Controller } from '../controller.js';
import { createCaStore } from '../store/ca-store.js';
import { createDb } from '../store/db.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { followCaCertificates, type CaCertificates } from './https-from-ca.js';

const SECRET = 'a CA key secret for the HTTPS-from-CA tests, long enough';

/** GET `path` over HTTPS to 127.0.0.1:`port`, trusting only `ca`, checking the certificate names `servername`. */
function getVerified(port: number, path: string, ca: string, servername: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    getHttps(
      { host: '127.0.0.1', port, path, ca, servername, headers: { host: `127.0.0.1:${port}` } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    ).on('error', reject);
  });
}

/** SHA-256 of the leaf certificate 127.0.0.1:`port` presents now. */
async function presentedLeaf(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const raw = socket.getPeerCertificate().raw;
  socket.destroy();
  return createHash('sha256').update(raw).digest('hex');
}

describe('the HTTP API with --http-tls-from-ca', () => {
  let db: TestDatabase;
  let controller: Controller;
  let url: string;
  let port: number;
  let caPem: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    controller = testController(db.url, { tls: { caKey: SECRET }, httpTlsFromCa: true });
    ({ httpUrl: url } = await controller.start());
    port = Number(new URL(url).port);
    const sql = createDb({ url: db.url, maxConnections: 1 });
    caPem = (await openAuthority(createCaStore(sql), Buffer.from(SECRET), silentLogger())).certPem;
    await sql.end();
  });

  afterAll(async () => {
    await controller?.stop();
    await db?.drop();
  });

  it('speaks HTTPS with a certificate from the controller CA, for the --grpc-tls-names', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const name of ['localhost', '127.0.0.1']) {
      const answer = await getVerified(port, '/healthz', caPem, name);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toHaveProperty('status');
    }
  });

  it('presents a certificate a client reaching it by another name refuses', async () => {
    await expect(getVerified(port, '/healthz', caPem, 'elsewhere.example')).rejects.toThrow(
      /elsewhere\.example/,
    );
  });

  it('is refused by a client that trusts another CA', async () => {
    const other = (await CertificateAuthority.create()).authority.certPem;
    await expect(getVerified(port, '/healthz', other, 'localhost')).rejects.toThrow(/certificate/);
  });

  it('answers no plain HTTP', async () => {
    const plain = new Promise((resolve, reject) => {
      getHttp(`http://127.0.0.1:${port}/healthz`, resolve).on('error', reject);
    });
    await expect(plain).rejects.toThrow();
  });
});

describe('the HTTP API of a controller with its CA, without --http-tls-from-ca', () => {
  let db: TestDatabase;
  const started: Controller[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const controller of started) await controller.stop();
    await db?.drop();
  });

  const start = async (httpListen: string) => {
    const controller = testController(db.url, { tls: { caKey: SECRET }, httpListen });
    started.push(controller);
    return (await controller.start()).httpUrl;
  };

  it('speaks HTTPS from the CA beyond loopback, and plain HTTP on loopback', async () => {
    // Bound on every interface; the only traffic goes to 127.0.0.1.
    const everywhere = await start('0.0.0.0:0');
    expect(everywhere).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
    const sql = createDb({ url: db.url, maxConnections: 1 });
    const caPem = (await openAuthority(createCaStore(sql), Buffer.from(SECRET), silentLogger())).certPem;
    await sql.end();
    const answer = await getVerified(Number(new URL(everywhere).port), '/healthz', caPem, 'localhost');
    expect(JSON.parse(answer.body)).toHaveProperty('status');
    expect(await start('127.0.0.1:0')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('followCaCertificates', () => {
  it('serves each renewal to new connections, and lets go of the CA when the API closes', async () => {
    const { authority } = await CertificateAuthority.create();
    const pem = async () => {
      const issued = await authority.issueServer(['localhost'], 3_600_000);
      return { cert: issued.chainPem, key: issued.keyPem };
    };
    const [first, second] = [await pem(), await pem()];
    const listeners = new Set<Parameters<CaCertificates['addIdentityCertificateListener']>[0]>();
    const certificates: CaCertificates = {
      current: first,
      addIdentityCertificateListener: (l) => listeners.add(l),
      removeIdentityCertificateListener: (l) => listeners.delete(l),
    };
    const app = fastify({ https: first });
    followCaCertificates(app, certificates);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const leaf = (p: { cert: string }) =>
      createHash('sha256').update(new X509Certificate(p.cert).raw).digest('hex');
    try {
      expect(await presentedLeaf(port)).toBe(leaf(first));
      for (const l of listeners)
        l({ certificate: Buffer.from(second.cert), privateKey: Buffer.from(second.key) });
      expect(await presentedLeaf(port)).toBe(leaf(second));
    } finally {
      await app.close();
    }
    expect(listeners.size).toBe(0);
  });
});
