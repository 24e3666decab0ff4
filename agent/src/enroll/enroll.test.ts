import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { ConfigError } from '@portwarden/common/errors';
import { silentLogger } from '@portwarden/common/logger';
import {
  AgentServiceService,
  type EnrollRequest,
  type EnrollResponse,
  type RenewRequest,
  type RenewResponse,
} from '@portwarden/proto/agent/v1';
import { closedPort } from '../testing/servers.js';
import { TestCa } from '../testing/pki.js';
import { caFingerprint, loadIdentity, readIdentity } from '../tls/identity.js';
import { createRenewer } from '../tls/renew.js';
import { prepareLinkSecurity } from '../tls/setup.js';
import { newKeyAndCsr } from '../tls/x509.js';
import { enroll } from './enroll.js';
import { EnrollError } from './errors.js';
import { fetchPinnedCa } from './pin.js';

let ca: TestCa;
let dir: string;
const servers: Server[] = [];

/** What the fake controller does with an Enroll call; it records every token it is shown. */
let answer: (request: EnrollRequest) => Promise<EnrollResponse | { code: status; details: string }>;
const tokensSeen: string[] = [];
const renewals: string[] = [];

async function fakeController(clientCertificates: boolean): Promise<string> {
  const server = new Server();
  server.addService(AgentServiceService, {
    enroll: (
      call: ServerUnaryCall<EnrollRequest, EnrollResponse>,
      callback: sendUnaryData<EnrollResponse>,
    ) => {
      tokensSeen.push(call.request.token);
      void answer(call.request).then((value) => ('code' in value ? callback(value) : callback(null, value)));
    },
    renew: (call: ServerUnaryCall<RenewRequest, RenewResponse>, callback: sendUnaryData<RenewResponse>) => {
      const name = call.getAuthContext().sslPeerCertificate?.subject.CN;
      if (!name) return callback({ code: status.UNAUTHENTICATED, details: 'no certificate' });
      renewals.push(String(name));
      void ca
        .signAgent(call.request.csrPem, { ttlMs: 3_600_000 })
        .then((certificatePem) => callback(null, { certificatePem, caCertificatePem: ca.certPem }));
    },
  });
  const { chainPem, keyPem } = await ca.server();
  const creds = ServerCredentials.createSsl(
    Buffer.from(ca.certPem),
    [{ cert_chain: Buffer.from(chainPem), private_key: Buffer.from(keyPem) }],
    clientCertificates,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  servers.push(server);
  return `127.0.0.1:${port}`;
}

const signs = async (request: EnrollRequest): Promise<EnrollResponse> => ({
  certificatePem: await ca.signAgent(request.csrPem),
  caCertificatePem: ca.certPem,
  labels: { role: 'web' },
});

const tokenFor = (fingerprint: Buffer) =>
  formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: fingerprint });

beforeAll(async () => {
  ca = await TestCa.create();
});
afterAll(() => {
  for (const server of servers) server.forceShutdown();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-enroll-'));
  answer = signs;
  tokensSeen.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fast = { initialMs: 10, maxMs: 50 };

describe('enroll', () => {
  it('pins the CA from the token, sends a CSR for a key made here, and keeps key and certificate', async () => {
    const address = await fakeController(false);
    const token = tokenFor(ca.fingerprint);
    const identity = await enroll({
      controllers: [address],
      token,
      name: 'web-1',
      stateDir: dir,
      logger: silentLogger(),
    });
    expect(identity).toMatchObject({ name: 'web-1', caPem: ca.certPem });
    expect(tokensSeen).toEqual([token]);
    expect(await loadIdentity(dir)).toEqual(identity);
    if (process.platform !== 'win32')
      expect((await stat(path.join(dir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('never shows the token to a server without a chain to the pinned CA', async () => {
    const address = await fakeController(false);
    const other = await TestCa.create();
    const error = await enroll({
      controllers: [address],
      token: tokenFor(other.fingerprint),
      name: 'web-1',
      stateDir: dir,
      logger: silentLogger(),
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EnrollError);
    expect((error as EnrollError).final).toBe(true);
    expect((error as Error).message).toMatch(/presented no certificate from the CA the token pins \(sha256:/);
    expect(tokensSeen).toEqual([]);
    expect(await loadIdentity(dir)).toBeUndefined();
  });

  it('stops at a refusal, with the controller reason and a hint', async () => {
    const address = await fakeController(false);
    answer = async () => ({ code: status.UNAUTHENTICATED, details: 'the enrollment token was already used' });
    const error = (await enroll({
      controllers: [address],
      token: tokenFor(ca.fingerprint),
      name: 'web-1',
      stateDir: dir,
      logger: silentLogger(),
      backoff: fast,
    }).catch((err: unknown) => err)) as EnrollError;
    expect(error.message).toBe('enroll refused by the controller: the enrollment token was already used');
    expect(error.hint).toMatch(/portwarden token create/);
    expect(tokensSeen).toHaveLength(1);
  });

  it('moves on to the next controller while one is unreachable', async () => {
    const address = await fakeController(false);
    const identity = await enroll({
      controllers: [`127.0.0.1:${await closedPort()}`, address],
      token: tokenFor(ca.fingerprint),
      name: 'web-2',
      stateDir: dir,
      logger: silentLogger(),
      backoff: fast,
    });
    expect(identity.name).toBe('web-2');
  });

  it('gives up waiting when the agent stops', async () => {
    const stopping = new AbortController();
    const attempt = enroll({
      controllers: [`127.0.0.1:${await closedPort()}`],
      token: tokenFor(ca.fingerprint),
      name: 'web-3',
      stateDir: dir,
      logger: silentLogger(),
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      signal: stopping.signal,
    });
    stopping.abort(new Error('stopping'));
    await expect(attempt).rejects.toThrow('stopping');
  });
});

describe('fetchPinnedCa', () => {
  it('returns the pinned CA from the chain the server presents', async () => {
    const address = await fakeController(false);
    expect(caFingerprint(await fetchPinnedCa(address, ca.fingerprint))).toEqual(ca.fingerprint);
  });
});

describe('renewal', () => {
  it('renews through the current certificate, with a new key, and hands over the new identity', async () => {
    const address = await fakeController(true);
    const { keyPem, csrPem } = await newKeyAndCsr('web-4');
    // Issued 2 minutes ago for 3 minutes: two thirds are past, so renewal is due at once.
    const certPem = await ca.signAgent(csrPem, { ttlMs: 180_000, notBefore: new Date(Date.now() - 120_000) });
    const first = readIdentity({ keyPem, certPem, caPem: ca.certPem });
    const renewed = new Promise<string>((resolve) => {
      const renewer = createRenewer({
        identity: first,
        controllers: [address],
        stateDir: dir,
        logger: silentLogger(),
        onRenewed: (next) => {
          void renewer.stop();
          resolve(next.serial);
        },
      });
      renewer.start();
    });
    const serial = await renewed;
    expect(serial).not.toBe(first.serial);
    expect(renewals).toContain('web-4');
    const onDisk = await loadIdentity(dir);
    expect(onDisk?.serial).toBe(serial);
    expect(onDisk?.keyPem).not.toBe(keyPem);
  });
});

describe('prepareLinkSecurity', () => {
  const prepare = (name: string, enrollToken?: string) =>
    prepareLinkSecurity({
      tls: enrollToken ? { enrollToken } : {},
      controllers: ['127.0.0.1:1'],
      name,
      stateDir: dir,
      logger: silentLogger(),
    });

  it('asks for a token when the agent never enrolled', async () => {
    const error = (await prepare('web-5').catch((err: unknown) => err)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/not enrolled/);
    expect(error.hint).toMatch(/--enroll-token/);
  });

  it('refuses to speak under another name than its certificate', async () => {
    const address = await fakeController(false);
    await enroll({
      controllers: [address],
      token: tokenFor(ca.fingerprint),
      name: 'web-6',
      stateDir: dir,
      logger: silentLogger(),
    });
    const error = (await prepare('web-7').catch((err: unknown) => err)) as ConfigError;
    expect(error.message).toMatch(/is for agent "web-6", not "web-7"/);
    const security = await prepare('web-6', tokenFor(ca.fingerprint));
    // Enrolled already: the token is not used again.
    expect(tokensSeen).toHaveLength(1);
    await security.stop();
  });
});
