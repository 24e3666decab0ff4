import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, SpooledResult } from '@portwarden/agent/agent';
import { createLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** The controller's log lines, for the security events. */
const lines: Record<string, unknown>[] = [];
const logger = createLogger({
  name: 'controller',
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as never);
      done();
    },
  }),
});

/** Agent certificates live 12 s here, so that renewal (after two thirds) happens during the test. */
const CERT_TTL_MS = 12_000;

/**
 * The agent and the controller over mutual TLS, in process: enrollment with a token, results
 * over the authenticated stream, automatic renewal, and revocation.
 */
describe('mutual TLS between agent and controller', () => {
  const fleet = new Fleet({
    redis: false,
    controller: {
      tls: { caKey: 'the CA key secret of the mTLS end-to-end test', agentCertTtlMs: CERT_TTL_MS },
      limits: { renewBurst: 100 },
      revocationSweepMs: 200,
      logger,
    },
  });
  const service = new FlakyService();
  const results: SpooledResult[] = [];
  let sql: postgres.Sql;
  let agent: Agent;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: web, port: ${service.port}, interval: 200ms, timeout: 500ms, alertGroup: ops, agents: { role: web } }
  - { name: db, port: ${service.port}, interval: 200ms, timeout: 500ms, alertGroup: ops, agents: { role: db } }
`);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  const newToken = async (labels: Record<string, string>) => {
    const response = await fetch(new URL('/api/v1/tokens', fleet.httpUrl), {
      method: 'POST',
      body: JSON.stringify({ labels, ttl: '10m' }),
      headers: { 'content-type': 'application/json', ...fleet.auth },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { token: string }).token;
  };

  const storedChecks = async () =>
    (
      await sql<{ checkId: string }[]>`
        SELECT DISTINCT r.check_id AS "checkId" FROM results r JOIN agents a ON a.id = r.agent_id WHERE a.name = 'web-1'`
    ).map((r) => r.checkId);

  const certificate = async () =>
    new X509Certificate(await readFile(join(fleet.stateDir('web-1')!, 'tls', 'cert.pem')));

  it('enrolls with a token, runs the checks its token labels select, and reports over mutual TLS', async () => {
    const token = await newToken({ role: 'web' });
    // The agent claims role=db; the controller goes by the token.
    agent = await fleet.addAgent('web-1', { role: 'db' }, (r) => results.push(r), {
      tls: { enrollToken: token },
    });
    await until('results stored', async () => (await storedChecks()).length > 0 && results.length >= 3);
    expect(await storedChecks()).toEqual(['web']);
    expect(new Set(results.map((r) => r.checkId))).toEqual(new Set(['web']));

    const { agents } = await fleet.api<{
      agents: { name: string; labels: object; certificateExpiresAt: string }[];
    }>('/api/v1/agents');
    expect(agents.find((a) => a.name === 'web-1')).toMatchObject({
      labels: { role: 'web' },
      certificateExpiresAt: expect.any(String),
    });
    const dir = join(fleet.stateDir('web-1')!, 'tls');
    if (process.platform !== 'win32') expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await certificate()).subjectAltName).toBe('URI:urn:portwarden:agent:web-1');
  });

  it(
    'renews its certificate before it expires, and connects with the renewed one',
    { timeout: 40_000 },
    async () => {
      const first = await certificate();
      await until(
        'a renewed certificate on disk',
        async () => (await certificate()).serialNumber !== first.serialNumber,
        20_000,
      );
      const renewed = await certificate();
      expect(new Date(renewed.validTo).getTime()).toBeGreaterThan(new Date(first.validTo).getTime());
      const [issued] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM agent_certificates WHERE agent_name = 'web-1' AND issued_by = 'renew'`;
      expect(issued!.n).toBeGreaterThanOrEqual(1);

      // A restart reads the renewed identity and needs no token.
      await agent.stop();
      const before = results.length;
      agent = await fleet.addAgent('web-1', { role: 'db' }, (r) => results.push(r), { tls: {} });
      const seq = results.at(-1)!.seq;
      await until('results after the restart stored', async () => {
        const [row] = await sql<{ max: number }[]>`
        SELECT max(r.seq)::int AS max FROM results r JOIN agents a ON a.id = r.agent_id WHERE a.name = 'web-1'`;
        return results.length > before && row!.max > seq;
      });
      expect(agent.connected).toBe(true);
    },
  );

  it('closes the stream of a revoked agent and refuses it from then on', async () => {
    const from = lines.length;
    const response = await fetch(new URL('/api/v1/agents/web-1/revoke', fleet.httpUrl), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', ...fleet.auth },
    });
    expect(response.status).toBe(200);
    await until('the agent to be disconnected', () => !agent.connected || undefined);
    // It keeps trying; each attempt is refused before any handler runs, as a security event.
    await until('a refused reconnect', () =>
      lines
        .slice(from)
        .some((l) => l.event === 'security' && l.reason === 'certificate-revoked' && l.agent === 'web-1'),
    );
    const { agents } = await fleet.api<{
      agents: { name: string; connected: boolean; revokedAt: string | null }[];
    }>('/api/v1/agents');
    expect(agents.find((a) => a.name === 'web-1')).toMatchObject({
      connected: false,
      revokedAt: expect.any(String),
    });
    expect(agent.connected).toBe(false);
  });
});
