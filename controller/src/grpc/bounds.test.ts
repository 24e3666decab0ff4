import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { createController, type Controller } from '../controller.js';
import {
  capturedLogger,
  hello,
  isConfig,
  keyAndCsr,
  securityReasons,
  TestAgentClient,
  tlsCredentials,
} from '../enroll/testing/agent-client.js';
import { createDb, type Sql } from '../store/db.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, interval: 1s, alertGroup: ops }]
`;

let db: TestDatabase;
let admin: TestAdminToken;
const controllers: Controller[] = [];
const clients: TestAgentClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const controller of controllers) await controller.stop();
  await db?.drop();
  await admin?.remove();
});

async function start(options: Partial<Parameters<typeof createController>[0]>) {
  const logs = capturedLogger();
  const controller = createController({
    databaseUrl: db.url,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 2,
    logger: logs.logger,
    adminTokenFile: admin.file,
    ...options,
  });
  controllers.push(controller);
  const started = await controller.start();
  await controller.applyPolicy(POLICY);
  return { ...started, logs };
}

const newClient = (address: string, creds = credentials.createInsecure()) => {
  const client = new TestAgentClient(address, creds);
  clients.push(client);
  return client;
};

describe('streams per peer address', () => {
  it('refuses streams beyond the bound, and counts a closed one out', async () => {
    const { grpcAddress, logs } = await start({ limits: { streamsPerIp: 3 } });
    const client = newClient(grpcAddress);
    const open = ['ip-1', 'ip-2', 'ip-3'].map((name) => client.converse([hello(name)], isConfig));
    for (const stream of open) expect((await stream.ended).error).toBeUndefined();
    const from = logs.lines.length;
    const { error } = await client.converse([hello('ip-4')]).ended;
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/too many streams from 127.0.0.1/);
    expect(securityReasons(logs.lines.slice(from))).toEqual(['too-many-streams-from-ip']);
    // A stream that ends frees its place.
    open[0]!.cancel();
    await until('a place freed', async () => {
      const attempt = client.converse([hello('ip-4')], isConfig);
      const { error: again } = await attempt.ended;
      attempt.cancel();
      return again === undefined;
    });
  });
});

describe('TLS bounds', () => {
  let address: string;
  let httpUrl: string;
  let logs: ReturnType<typeof capturedLogger>;
  let caPem: string;
  let twin: { keyPem: string; certPem: string };
  let sql: Sql;

  const newToken = async () => {
    const response = await fetch(new URL('/api/v1/tokens', httpUrl), {
      method: 'POST',
      body: JSON.stringify({ labels: { role: 'web' } }),
      headers: { 'content-type': 'application/json', ...admin.headers },
    });
    return (await response.json()) as { token: string; id: string };
  };

  beforeAll(async () => {
    ({
      grpcAddress: address,
      httpUrl,
      logs,
    } = await start({
      tls: { caKey: 'the secret of the bounds tests, long enough' },
      limits: { streamsPerIdentity: 2, enrollBurst: 2, enrollRefillMs: 600_000 },
    }));
    sql = createDb({ url: db.url, maxConnections: 1 });
    caPem = (await sql<{ certPem: string }[]>`SELECT cert_pem FROM ca`)[0]!.certPem;
    const { keyPem, csrPem } = await keyAndCsr('twin');
    const { value } = await newClient(address, tlsCredentials(caPem)).enroll(
      (await newToken()).token,
      csrPem,
    );
    twin = { keyPem, certPem: value!.certificatePem };
  });

  afterAll(async () => {
    await sql?.end();
  });

  it('a newer stream of an agent replaces the older, and streams that pile up are refused', async () => {
    const client = newClient(address, tlsCredentials(caPem, twin));
    const first = client.converse([hello('twin')], isConfig);
    await first.ended;
    const second = client.converse([hello('twin')], isConfig);
    await second.ended;
    expect((await first.closed)?.code).toBe(status.ALREADY_EXISTS);
    // Two more before any hello: the second stream holds one place, so only one of them fits.
    const from = logs.lines.length;
    const piled = [client.converse([]), client.converse([])];
    const refused = await Promise.race(piled.map((p, i) => p.ended.then(() => i)));
    expect((await piled[refused]!.ended).error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(securityReasons(logs.lines.slice(from))).toEqual(['too-many-streams-for-agent']);
    // The one admitted works as usual, and replaces the second.
    const admitted = piled[1 - refused]!;
    admitted.stream.write(hello('twin'));
    expect((await second.closed)?.code).toBe(status.ALREADY_EXISTS);
    admitted.cancel();
  });

  it('limits enrollment attempts per address, before looking at the token', async () => {
    const client = newClient(address, tlsCredentials(caPem));
    // The burst is 2 and the enrollment in beforeAll took one: one more attempt goes through.
    const wrong = await client.enroll(
      `pwt1.${'A'.repeat(43)}.${'B'.repeat(43)}`,
      (await keyAndCsr('x')).csrPem,
    );
    expect(wrong.error?.code).toBe(status.UNAUTHENTICATED);
    const token = await newToken();
    const from = logs.lines.length;
    const limited = await client.enroll(token.token, (await keyAndCsr('rate-1')).csrPem);
    expect(limited.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(limited.error?.details).toMatch(/too many enrollment attempts from 127.0.0.1; retry in \d+ s/);
    expect(securityReasons(logs.lines.slice(from))).toEqual(['enroll-rate-limited']);
    const [row] = await sql<
      { usedAt: Date | null }[]
    >`SELECT used_at FROM enrollment_tokens WHERE id = ${token.id}`;
    expect(row?.usedAt).toBeNull();
  });
});
