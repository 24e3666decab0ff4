import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { silentLogger } from '@portwarden/common/logger';
import { AgentServiceService, type EnrollRequest, type EnrollResponse } from '@portwarden/proto/agent/v1';
import { TestCa } from '../testing/pki.js';
import { enroll } from './enroll.js';

// Node warns once per process, so this file has a process of its own to itself: the first TLS
// connection to an IP address here is the one that would warn.
const warnings: Error[] = [];
const collect = (warning: Error) => warnings.push(warning);

let ca: TestCa;
let server: Server;
let address: string;
let dir: string;

beforeAll(async () => {
  process.on('warning', collect);
  ca = await TestCa.create();
  dir = await mkdtemp(path.join(tmpdir(), 'pw-servername-'));
  server = new Server();
  server.addService(AgentServiceService, {
    enroll: (call: ServerUnaryCall<EnrollRequest, EnrollResponse>, done: sendUnaryData<EnrollResponse>) =>
      void ca
        .signAgent(call.request.csrPem)
        .then((certificatePem) => done(null, { certificatePem, caCertificatePem: ca.certPem, labels: {} })),
    renew: () => {},
  });
  const { chainPem, keyPem } = await ca.server();
  const creds = ServerCredentials.createSsl(
    Buffer.from(ca.certPem),
    [{ cert_chain: Buffer.from(chainPem), private_key: Buffer.from(keyPem) }],
    false,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(async () => {
  process.off('warning', collect);
  server?.forceShutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('TLS to an IP address', () => {
  it('enrolls over TLS at 127.0.0.1 (certificate checked against the IP) without the DEP0123 warning', async () => {
    const identity = await enroll({
      controllers: [address],
      token: formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: ca.fingerprint }),
      name: 'web-1',
      stateDir: dir,
      logger: silentLogger(),
    });
    expect(identity).toMatchObject({ name: 'web-1', caPem: ca.certPem });
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      warnings.map((w) => `${(w as NodeJS.ErrnoException).code ?? w.name}: ${w.message}`),
    ).not.toContainEqual(expect.stringContaining('DEP0123'));
  });
});
