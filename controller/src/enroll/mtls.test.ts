import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatEnrollmentToken,
  newTokenSecret,
  tokenHash,
  tokenId,
} from '@portwarden/common/enrollment-token';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { Outcome, Result, type ConnectRequest } from '@portwarden/proto/agent/v1';
import { CertificateAuthority } from '../ca/authority.js';
import { openAuthority } from '../ca/open.js';
import { createController, type Controller } from '../controller.js';
import { createCaStore } from '../store/ca-store.js';
import { createDb, type Sql } from '../store/db.js';
import { createEnrollmentStore } from '../store/enrollment.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import {
  capturedLogger,
  hello,
  isConfig,
  keyAndCsr,
  securityReasons,
  TestAgentClient,
  tlsCredentials,
} from './testing/agent-client.js';

const SECRET = 'a CA key secret for the mTLS tests, long enough';
const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: web, port: 8080, interval: 1s, alertGroup: ops, agents: { role: web } }
  - { name: db, port: 5432, interval: 1s, alertGroup: ops, agents: { role: db } }
`;

let db: TestDatabase;
let admin: TestAdminToken;
let sql: Sql;
let controller: Controller;
let address: string;
let httpUrl: string;
let caPem: string;
let authority: CertificateAuthority;
const logs = capturedLogger();
const clients: TestAgentClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = createController({
    databaseUrl: db.url,
    adminTokenFile: admin.file,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 4,
    logger: logs.logger,
    tls: { caKey: SECRET, agentCertTtlMs: 3_600_000 },
    limits: { enrollBurst: 100, renewBurst: 100 },
  });
  ({ grpcAddress: address, httpUrl } = await controller.start());
  await controller.applyPolicy(POLICY);
  sql = createDb({ url: db.url, maxConnections: 1 });
  // The test's own handle on the controller's CA, to forge what the matrix needs (an expired certificate).
  authority = await openAuthority(createCaStore(sql), Buffer.from(SECRET), silentLogger());
  caPem = authority.certPem;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await controller?.stop();
  await sql?.end();
  await db?.drop();
  await admin?.remove();
});

const client = (creds = tlsCredentials(caPem)) => {
  const c = new TestAgentClient(address, creds);
  clients.push(c);
  return c;
};

const post = async <T>(path: string, body: unknown): Promise<{ status: number; body: T }> => {
  const response = await fetch(new URL(path, httpUrl), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...admin.headers },
  });
  return { status: response.status, body: (await response.json()) as T };
};

const newToken = async (labels: Record<string, string> = { role: 'web' }) =>
  (await post<{ token: string; id: string }>('/api/v1/tokens', { labels, ttl: '10m' })).body;

/** Enrolls `name` through the Enroll RPC, as an agent would; returns its key and certificate. */
async function enroll(name: string, token?: string) {
  const { keyPem, csrPem } = await keyAndCsr(name);
  const { value, error } = await client().enroll(token ?? (await newToken()).token, csrPem);
  if (error) throw error;
  return { keyPem, certPem: value!.certificatePem, labels: value!.labels };
}

/** Security events logged since `from` (an index into the log lines). */
const eventsSince = (from: number) => securityReasons(logs.lines.slice(from));

const agentRow = async (name: string) =>
  (
    await sql<{ connected: boolean; lastSeenAt: Date; labels: Record<string, string> }[]>`
    SELECT connected, last_seen_at AS "lastSeenAt", labels FROM agents WHERE name = ${name}`
  )[0];

const certificatesOf = async (name: string) =>
  (
    await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM agent_certificates WHERE agent_name = ${name}`
  )[0]!.n;

const result = (seq: number): ConnectRequest => ({
  body: {
    $case: 'results',
    value: {
      results: [
        Result.fromPartial({
          seq,
          checkId: 'web',
          startedAtUnixMs: Date.now(),
          outcome: Outcome.OUTCOME_DOWN,
          reason: 'refused',
        }),
      ],
    },
  },
});

describe('enrollment', () => {
  it('gives an agent a certificate for its name, with the labels of its token', async () => {
    const token = await newToken({ role: 'web', site: 'paris' });
    expect(token.token).toMatch(/^pwt1\./);
    const agent = await enroll('web-1', token.token);
    expect(agent.labels).toEqual({ role: 'web', site: 'paris' });
    // The stream's labels are the token's, whatever the hello claims: the agent is served the web check.
    const { got, error } = await client(tlsCredentials(caPem, agent)).converse(
      [hello('web-1', { role: 'db' })],
      isConfig,
    ).ended;
    expect(error).toBeUndefined();
    const push = got.find((m) => m.body?.$case === 'config')!.body;
    expect(push?.$case === 'config' && push.value.config?.checks.map((c) => c.id)).toEqual(['web']);
    expect((await agentRow('web-1'))?.labels).toEqual({ role: 'web', site: 'paris' });
    // Tokens are stored hashed.
    const [row] = await sql<{ tokenHash: Buffer; usedBy: string }[]>`
      SELECT token_hash AS "tokenHash", used_by AS "usedBy" FROM enrollment_tokens WHERE id = ${token.id}`;
    expect(row?.usedBy).toBe('web-1');
    expect(row?.tokenHash.toString('hex')).not.toContain(token.token.split('.')[1]!);
    expect(logs.text()).not.toContain(token.token.split('.')[1]!);
  });

  it('refuses to enroll a name that holds a valid certificate, without using the token up', async () => {
    await enroll('dup-1');
    const token = await newToken();
    const { error } = await client().enroll(token.token, (await keyAndCsr('dup-1')).csrPem);
    expect(error?.code).toBe(status.ALREADY_EXISTS);
    expect(error?.details).toMatch(/revoke it first/);
    // The token is still good for another agent.
    await enroll('dup-2', token.token);
  });

  it('refuses a token made for another controller', async () => {
    const other = (await CertificateAuthority.create()).authority;
    const token = formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: other.fingerprint });
    const from = logs.lines.length;
    const { error } = await client().enroll(token, (await keyAndCsr('stray-1')).csrPem);
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(eventsSince(from)).toEqual(['token-other-ca']);
  });
});

/**
 * The mTLS matrix: each attempt is refused before any handler runs (no row written, nothing
 * marked connected), and logged as one security event.
 */
describe('refusals', () => {
  it('a stream without a client certificate', async () => {
    const from = logs.lines.length;
    const { error } = await client().converse([hello('nocert-1')]).ended;
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.details).toMatch(/client certificate/);
    expect(eventsSince(from)).toEqual(['no-valid-client-certificate']);
    expect(await agentRow('nocert-1')).toBeUndefined();
  });

  it('a certificate from another CA', async () => {
    const other = (await CertificateAuthority.create()).authority;
    const { keyPem, csrPem } = await keyAndCsr('other-1');
    const { certPem } = await other.issueAgent(csrPem, 3_600_000);
    const from = logs.lines.length;
    const { error } = await client(tlsCredentials(caPem, { keyPem, certPem })).converse([hello('other-1')])
      .ended;
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(eventsSince(from)).toEqual(['no-valid-client-certificate']);
    expect(await agentRow('other-1')).toBeUndefined();
  });

  it('an expired certificate, even from this CA and on record', async () => {
    const { keyPem, csrPem } = await keyAndCsr('expired-1');
    const issued = await authority.issueAgent(csrPem, 60_000, undefined, new Date(Date.now() - 3_600_000));
    await sql`INSERT INTO agent_identities (name) VALUES ('expired-1')`;
    await sql`INSERT INTO agent_certificates (serial, agent_name, not_before, not_after, issued_by)
              VALUES (${issued.serial}, 'expired-1', ${issued.notBefore}, ${issued.notAfter}, 'enroll')`;
    const from = logs.lines.length;
    const { error } = await client(tlsCredentials(caPem, { keyPem, certPem: issued.certPem })).converse([
      hello('expired-1'),
    ]).ended;
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(eventsSince(from)).toEqual(['no-valid-client-certificate']);
    expect(await agentRow('expired-1')).toBeUndefined();
  });

  it('a revoked certificate', async () => {
    const agent = await enroll('revoked-1');
    const first = client(tlsCredentials(caPem, agent)).converse([hello('revoked-1')], isConfig);
    await first.ended;
    first.cancel();
    await until(
      'the first stream released',
      async () => (await agentRow('revoked-1'))?.connected === false || undefined,
    );
    const before = await agentRow('revoked-1');
    const revoked = await post<{ certificates: number }>('/api/v1/agents/revoked-1/revoke', {});
    expect(revoked).toMatchObject({ status: 200, body: { certificates: 1 } });
    const from = logs.lines.length;
    const { error } = await client(tlsCredentials(caPem, agent)).converse([hello('revoked-1')]).ended;
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.details).toMatch(/revoked/);
    expect(eventsSince(from)).toEqual(['certificate-revoked']);
    // The hello never reached its handler: the agent was not marked connected or seen.
    expect(await agentRow('revoked-1')).toEqual(before);
  });

  it('a certificate from this CA that is not on record', async () => {
    const { keyPem, csrPem } = await keyAndCsr('unrecorded-1');
    const { certPem } = await authority.issueAgent(csrPem, 3_600_000);
    const from = logs.lines.length;
    const { error } = await client(tlsCredentials(caPem, { keyPem, certPem })).converse([
      hello('unrecorded-1'),
    ]).ended;
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(eventsSince(from)).toEqual(['certificate-unknown']);
    expect(await agentRow('unrecorded-1')).toBeUndefined();
  });

  it('a reused enrollment token', async () => {
    const token = await newToken();
    await enroll('reuse-1', token.token);
    const from = logs.lines.length;
    const { error } = await client().enroll(token.token, (await keyAndCsr('reuse-2')).csrPem);
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.details).toMatch(/already used/);
    expect(logs.lines.slice(from).filter((l) => l.event === 'security')).toMatchObject([
      { reason: 'token-used', tokenId: token.id, method: '/portwarden.agent.v1.AgentService/Enroll' },
    ]);
    expect(await certificatesOf('reuse-2')).toBe(0);
  });

  it('an expired enrollment token', async () => {
    const secret = newTokenSecret();
    await createEnrollmentStore(sql).createToken({
      id: tokenId(secret),
      hash: tokenHash(secret),
      labels: { role: 'web' },
      expiresAt: new Date(Date.now() - 1000),
    });
    const token = formatEnrollmentToken({ secret, caFingerprint: authority.fingerprint });
    const from = logs.lines.length;
    const { error } = await client().enroll(token, (await keyAndCsr('late-1')).csrPem);
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.details).toMatch(/expired/);
    expect(eventsSince(from)).toEqual(['token-expired']);
    expect(await certificatesOf('late-1')).toBe(0);
    const [row] = await sql<
      { usedAt: Date | null }[]
    >`SELECT used_at AS "usedAt" FROM enrollment_tokens WHERE id = ${tokenId(secret)}`;
    expect(row?.usedAt).toBeNull();
  });

  it("an agent speaking, or sending results, under another agent's name", async () => {
    const alice = await enroll('alice');
    const from = logs.lines.length;
    const { error, got } = await client(tlsCredentials(caPem, alice)).converse([hello('bob'), result(1)])
      .ended;
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(error?.details).toMatch(/certificate is agent "alice"/);
    expect(got).toEqual([]);
    expect(logs.lines.slice(from).filter((l) => l.event === 'security')).toMatchObject([
      { reason: 'hello-name-mismatch', agent: 'alice', claimed: 'bob' },
    ]);
    expect(await agentRow('bob')).toBeUndefined();
    expect(await agentRow('alice')).toBeUndefined();
    const [stored] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results`;
    expect(stored!.n).toBe(0);
  });

  it('never writes a token or a key to the log', () => {
    expect(logs.text()).not.toMatch(/PRIVATE KEY|pwt1\./);
  });
});

describe('renewal and revocation', () => {
  it('renews a certificate for the same name, and the new one connects', async () => {
    const agent = await enroll('renew-1');
    const next = await keyAndCsr('renew-1');
    const { value, error } = await client(tlsCredentials(caPem, agent)).renew(next.csrPem);
    expect(error).toBeUndefined();
    expect(value!.caCertificatePem).toBe(caPem);
    const renewed = { keyPem: next.keyPem, certPem: value!.certificatePem };
    expect(renewed.certPem).not.toBe(agent.certPem);
    const { error: streamError } = await client(tlsCredentials(caPem, renewed)).converse(
      [hello('renew-1')],
      isConfig,
    ).ended;
    expect(streamError).toBeUndefined();
    expect(await certificatesOf('renew-1')).toBe(2);
  });

  it('renews only the name of the certificate, and only with a certificate', async () => {
    const agent = await enroll('renew-2');
    const other = await client(tlsCredentials(caPem, agent)).renew((await keyAndCsr('renew-3')).csrPem);
    expect(other.error?.code).toBe(status.INVALID_ARGUMENT);
    const from = logs.lines.length;
    const anonymous = await client().renew((await keyAndCsr('renew-2')).csrPem);
    expect(anonymous.error?.code).toBe(status.UNAUTHENTICATED);
    expect(eventsSince(from)).toEqual(['no-valid-client-certificate']);
    expect(await certificatesOf('renew-3')).toBe(0);
  });

  it('revoking an agent closes its open stream', async () => {
    const agent = await enroll('live-1');
    const conversation = client(tlsCredentials(caPem, agent)).converse([hello('live-1')], isConfig);
    await conversation.ended;
    const revoked = await post<{ closedStream: boolean }>('/api/v1/agents/live-1/revoke', {});
    expect(revoked.body.closedStream).toBe(true);
    const closedWith = await conversation.closed;
    expect(closedWith?.code).toBe(status.UNAUTHENTICATED);
    expect(closedWith?.details).toMatch(/revoked/);
    const { body } = await (async () => {
      const response = await fetch(new URL('/api/v1/agents', httpUrl), { headers: admin.headers });
      return { body: (await response.json()) as { agents: { name: string; revokedAt: string | null }[] } };
    })();
    expect(body.agents.find((a) => a.name === 'live-1')?.revokedAt).toEqual(expect.any(String));
  });

  it('revokes nothing for a cross-origin text/plain POST (CSRF): it carries no bearer token', async () => {
    await enroll('csrf-1');
    const forged = await fetch(new URL('/api/v1/agents/csrf-1/revoke', httpUrl), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
    });
    expect([401, 403, 415]).toContain(forged.status);
    const revoked = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM agent_certificates WHERE agent_name = 'csrf-1' AND revoked_at IS NOT NULL`;
    expect(revoked[0]!.n).toBe(0);
    expect(await certificatesOf('csrf-1')).toBe(1);
  });

  it('says so when the agent to revoke never enrolled', async () => {
    const response = await post<{ error: { code: string } }>('/api/v1/agents/nobody/revoke', {});
    expect(response).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
  });
});
