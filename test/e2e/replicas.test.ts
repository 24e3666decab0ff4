import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '@portwarden/agent/agent';
import { createLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import {
  createTestDatabase,
  deleteRedisPrefix,
  testRedisPrefix,
  type TestDatabase,
} from '@portwarden/controller/testing';
import { testAdminToken, type TestAdminToken } from '@portwarden/controller/testing/admin-token';
import { ControllerProcess, replicaArgs, type ControllerAddresses } from '../support/controller-process.js';
import { Haproxy } from '../support/haproxy.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

const AGENTS = ['rep-1', 'rep-2', 'rep-3', 'rep-4'];

interface AlertmanagerMessage {
  status: 'firing' | 'resolved';
  alerts: { labels: Record<string, string> }[];
}

/**
 * Two controller processes on one database and one Redis prefix, behind a real HAProxy (TCP mode);
 * agents connect through HAProxy and land on either. A change made through one replica reaches
 * the agents of the other; each incident event is told once; a replica killed with SIGKILL loses
 * nothing and stores nothing twice.
 */
describe('two controller replicas behind HAProxy', () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  let admin: TestAdminToken;
  const redisPrefix = testRedisPrefix();
  const receiver = new WebhookReceiver();
  const service = new FlakyService();
  const replicas: ControllerProcess[] = [];
  let a: ControllerAddresses;
  let b: ControllerAddresses;
  let haproxy: Haproxy;
  const agents = new Map<string, Agent>();
  const produced = new Map<string, number>();
  const configs = new Map<string, number>();
  const stateDirs: string[] = [];

  const policy = (interval: string) => `
alertGroups: { ops: { channels: [{ webhook: { url: '${receiver.url}' } }] } }
checks:
  - { name: svc, port: ${service.port}, interval: ${interval}, timeout: 500ms, failuresBeforeAlert: 1, alertGroup: ops }
`;

  const api = async <T>(base: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, base), {
      method,
      headers: {
        ...admin.headers,
        ...(body !== undefined && {
          'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json',
        }),
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    [db, admin] = await Promise.all([createTestDatabase('pw_e2e'), testAdminToken()]);
    await Promise.all([receiver.start(), service.start()]);
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const args = replicaArgs(db.url, redisPrefix, admin.file);
    replicas.push(new ControllerProcess(args), new ControllerProcess(args));
    // One after the other: the first applies the migrations (the second would wait on their lock).
    a = await replicas[0]!.start();
    b = await replicas[1]!.start();
    haproxy = await new Haproxy([a.grpcAddress, b.grpcAddress]).start();
    expect((await api(a.httpUrl, 'PUT', '/api/v1/policy', policy('200ms'))).status).toBe(201);
    for (const name of AGENTS) {
      const stateDir = await mkdtemp(join(tmpdir(), `pw-e2e-${name}-`));
      stateDirs.push(stateDir);
      const agent = createAgent({
        controllers: [haproxy.address],
        name,
        labels: {},
        stateDir,
        logger: createLogger({ name, level: process.env.PORTWARDEN_TEST_LOG ?? 'silent' }),
        reconnect: { initialMs: 50, maxMs: 500 },
        onResult: (r) => produced.set(name, r.seq),
        onConfig: () => configs.set(name, (configs.get(name) ?? 0) + 1),
      });
      await agent.start();
      agents.set(name, agent);
    }
    // Round robin: two agents on each replica.
    await until(
      'agents on both replicas',
      () => replicas.every((r) => r.agents.size > 0) && [...agents.values()].every((x) => x.connected),
    );
  });

  afterAll(async () => {
    for (const agent of agents.values()) await agent.stop();
    await haproxy?.stop();
    for (const replica of replicas) await replica.stop();
    await sql?.end();
    await db?.drop();
    await deleteRedisPrefix(redisPrefix);
    await admin?.remove();
    await Promise.all([receiver.stop(), service.stop()]);
    for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
  });

  /** An agent whose stream replica B holds. */
  const onB = () => [...replicas[1]!.agents][0]!;

  it('pushes a policy applied through replica A to an agent on replica B at once', async () => {
    const agent = onB();
    const applied = Date.now();
    const { body } = await api<{ revision: number }>(a.httpUrl, 'PUT', '/api/v1/policy', policy('250ms'));
    await until(
      'the agent on B to run the new revision',
      () => agents.get(agent)!.configRevision === body.revision,
      10_000,
      10,
    );
    // The fallback poll comes every 30 s: this was the NOTIFY. (How fast, p99: npm run bench:replicas.)
    expect(Date.now() - applied).toBeLessThan(10_000);
    // And the agent's ack of it is stored, as both replicas show.
    for (const base of [a.httpUrl, b.httpUrl])
      await until('the config ack stored', async () => {
        const { body: list } = await api<{ agents: { name: string; configRevision: number }[] }>(
          base,
          'GET',
          '/api/v1/agents',
        );
        return list.agents.find((x) => x.name === agent)?.configRevision === body.revision;
      });
  });

  it('pushes an override made through replica A to an agent on replica B', async () => {
    const agent = onB();
    const before = configs.get(agent) ?? 0;
    const disabled = await api(a.httpUrl, 'POST', '/api/v1/checks/svc/disable', { agent });
    expect(disabled.status).toBe(200);
    await until(
      'the agent on B to get its config again',
      () => (configs.get(agent) ?? 0) > before,
      10_000,
      10,
    );
    const enabled = await api(a.httpUrl, 'POST', '/api/v1/checks/svc/enable', { agent });
    expect(enabled.status).toBe(200);
    await until('and again when enabled', () => (configs.get(agent) ?? 0) > before + 1, 10_000, 10);
  });

  it('runs "test now" through replica A on an agent connected to replica B', async () => {
    const agent = onB();
    expect(replicas[0]!.agents.has(agent)).toBe(false);
    const { status, body } = await api<{ agent: string; result: { outcome: string; checkId: string } }>(
      a.httpUrl,
      'POST',
      `/api/v1/agents/${agent}/test`,
      { check: 'svc' },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ agent, result: { outcome: 'up', checkId: 'svc' } });
  });

  it('tells each incident event once, though both replicas relay and deliver', async () => {
    await service.stop();
    await receiver.waitFor(AGENTS.length);
    await service.start();
    await receiver.waitFor(2 * AGENTS.length);
    // Every outbox row relayed and every delivery final: a doubled job would have been sent by now.
    await until('every event relayed and delivered', async () => {
      const [row] = await sql<{ pending: number; final: number }[]>`
        SELECT (SELECT count(*)::int FROM outbox WHERE relayed_at IS NULL) AS pending,
               (SELECT count(*)::int FROM notifications) AS final`;
      return row!.pending === 0 && row!.final === 2 * AGENTS.length;
    });
    const told = receiver.received.flatMap((r) =>
      (r.body as AlertmanagerMessage).alerts.map(
        (alert) => `${alert.labels.agent} ${r.body && (r.body as AlertmanagerMessage).status}`,
      ),
    );
    expect(told.sort()).toEqual(AGENTS.flatMap((name) => [`${name} firing`, `${name} resolved`]).sort());
  });

  it('moves the agents of a replica killed with SIGKILL to the other, losing nothing and storing nothing twice', async () => {
    const moved = [...replicas[1]!.agents];
    expect(moved.length).toBeGreaterThan(0);
    const before = new Map(AGENTS.map((name) => [name, produced.get(name) ?? 0]));
    await replicas[1]!.kill();
    await until('the agents of B on A', () => moved.every((name) => replicas[0]!.agents.has(name)), 30_000);
    // Results keep flowing after the move, then each agent stops cleanly with nothing unacknowledged.
    await until('new results from every agent', () =>
      AGENTS.every((name) => (produced.get(name) ?? 0) >= before.get(name)! + 4),
    );
    for (const agent of agents.values()) await agent.stop();
    const rows = await sql<{ name: string; rows: number; seqs: number; min: number; max: number }[]>`
      SELECT a.name, count(*)::int AS rows, count(DISTINCT r.seq)::int AS seqs,
             min(r.seq)::int AS min, max(r.seq)::int AS max
      FROM results r JOIN agents a ON a.id = r.agent_id GROUP BY a.name ORDER BY a.name`;
    expect(rows).toEqual(
      AGENTS.map((name) => ({
        name,
        rows: produced.get(name),
        seqs: produced.get(name),
        min: 1,
        max: produced.get(name),
      })),
    );
  });
});
