import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createController, type Controller } from '../controller.js';
import {
  hello,
  isConfig,
  keyAndCsr,
  TestAgentClient,
  tlsCredentials,
} from '../enroll/testing/agent-client.js';
import { openAuthority } from '../ca/open.js';
import { createCaStore } from '../store/ca-store.js';
import { createDb, type Sql } from '../store/db.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

const SECRET = 'a CA key secret for the replica tests, long enough';

/**
 * Two replicas on one database; the agent's stream is on the second. Revoked through the first,
 * it is closed by the NOTIFY: the sweep, the fallback, is set to an hour here.
 */
describe('revocation across replicas', () => {
  let db: TestDatabase;
  let admin: TestAdminToken;
  let sql: Sql;
  const replicas: Controller[] = [];
  const started: { grpcAddress: string; httpUrl: string }[] = [];
  const clients: TestAgentClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await testAdminToken();
    for (let i = 0; i < 2; i++) {
      const controller = createController({
        databaseUrl: db.url,
        adminTokenFile: admin.file,
        grpcListen: '127.0.0.1:0',
        httpListen: '127.0.0.1:0',
        dbMaxConnections: 3,
        tls: { caKey: SECRET },
        revocationSweepMs: 3_600_000,
      });
      replicas.push(controller);
      started.push(await controller.start());
    }
    await replicas[0]!.applyPolicy('checks: []');
    sql = createDb({ url: db.url, maxConnections: 1 });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const controller of replicas) await controller.stop();
    await sql?.end();
    await db?.drop();
    await admin?.remove();
  });

  const post = async <T>(base: string, path: string, body: unknown) => {
    const response = await fetch(new URL(path, base), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...admin.headers },
    });
    return (await response.json()) as T;
  };

  it("closes the agent's stream on the other replica at once", async () => {
    const caPem = (await openAuthority(createCaStore(sql), Buffer.from(SECRET), silentLogger())).certPem;
    const { token } = await post<{ token: string }>(started[0]!.httpUrl, '/api/v1/tokens', { ttl: '10m' });
    const { keyPem, csrPem } = await keyAndCsr('far-1');
    const enroller = new TestAgentClient(started[1]!.grpcAddress, tlsCredentials(caPem));
    clients.push(enroller);
    const { value, error } = await enroller.enroll(token, csrPem);
    expect(error).toBeUndefined();
    const agent = new TestAgentClient(
      started[1]!.grpcAddress,
      tlsCredentials(caPem, { keyPem, certPem: value!.certificatePem }),
    );
    clients.push(agent);
    const conversation = agent.converse([hello('far-1')], isConfig);
    await conversation.ended;

    const revoked = await post<{ closedStream: boolean }>(
      started[0]!.httpUrl,
      '/api/v1/agents/far-1/revoke',
      {},
    );
    // Not on this replica: it could not close the stream itself.
    expect(revoked.closedStream).toBe(false);
    const closedWith = await conversation.closed;
    expect(closedWith?.code).toBe(status.UNAUTHENTICATED);
    expect(closedWith?.details).toMatch(/revoked/);
  });
});
