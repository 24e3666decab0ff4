/**
 * `npm run bench:replicas`: how fast a change made through one controller replica reaches the
 * agents of another (PostgreSQL LISTEN/NOTIFY), against the baseline measured in the same run: the
 * agents of the replica that made the change. Two controller processes on one database and one
 * Redis prefix behind HAProxy (TCP mode), agents in this process, each on a connection of its own.
 * Prints a markdown table for BENCHMARKS.md. Never part of `npm test`.
 *
 * Knobs: BENCH_REPLICA_AGENTS (default 40), BENCH_REPLICA_ROUNDS (default 30).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, type Agent } from '@portwarden/agent/agent';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { createTestDatabase, deleteRedisPrefix, testRedisPrefix } from '@portwarden/controller/testing';
import { testAdminToken } from '@portwarden/controller/testing/admin-token';
import { ControllerProcess, replicaArgs } from '../../support/controller-process.js';
import { Haproxy } from '../../support/haproxy.js';
import { FlakyService } from '../../support/tcp-server.js';

const AGENTS = Number(process.env.BENCH_REPLICA_AGENTS ?? 40);
const ROUNDS = Number(process.env.BENCH_REPLICA_ROUNDS ?? 30);

const db = await createTestDatabase('pw_bench');
const admin = await testAdminToken();
const redisPrefix = testRedisPrefix();
const service = await new FlakyService().start();
const args = replicaArgs(db.url, redisPrefix, admin.file);
const replicas = [new ControllerProcess(args), new ControllerProcess(args)];
const dirs: string[] = [];
const agents: Agent[] = [];
let haproxy: Haproxy | undefined;

/** When each agent started running each revision. */
const ran = new Map<string, Map<number, number>>();

const policy = (round: number) => `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: svc, port: ${service.port}, interval: ${60 + round}s, timeout: 500ms, alertGroup: ops }
`;

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
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
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const row = (what: string, values: number[]) =>
  `| ${what} | ${values.length} | ${percentile(values, 50).toFixed(1)} | ${percentile(values, 99).toFixed(1)} | ${Math.max(...values).toFixed(1)} |`;

try {
  const a = await replicas[0]!.start();
  const b = await replicas[1]!.start();
  haproxy = await new Haproxy([a.grpcAddress, b.grpcAddress]).start();
  await call(a.httpUrl, 'PUT', '/api/v1/policy', policy(0));
  for (let i = 0; i < AGENTS; i++) {
    const name = `bench-${i}`;
    const stateDir = await mkdtemp(join(tmpdir(), `pw-bench-${name}-`));
    dirs.push(stateDir);
    ran.set(name, new Map());
    const agent = createAgent({
      controllers: [haproxy.address],
      name,
      labels: {},
      stateDir,
      logger: silentLogger(),
      onConfig: (revision) => {
        const seen = ran.get(name)!;
        if (!seen.has(revision)) seen.set(revision, performance.now());
      },
    });
    await agent.start();
    agents.push(agent);
  }
  await until('every agent connected', () => agents.every((x) => x.connected), 60_000);
  const onA = new Set(replicas[0]!.agents);
  const onB = new Set(replicas[1]!.agents);

  // Policy applies through A: when each agent runs the new revision.
  const applySame: number[] = [];
  const applyAcross: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = performance.now();
    const { revision } = (await call(a.httpUrl, 'PUT', '/api/v1/policy', policy(round))) as {
      revision: number;
    };
    await until(
      `revision ${revision} everywhere`,
      () => [...ran.values()].every((m) => m.has(revision)),
      30_000,
      5,
    );
    for (const [name, seen] of ran) (onB.has(name) ? applyAcross : applySame).push(seen.get(revision)! - t0);
  }

  // "Test now" through A: an agent on A, then one on B.
  const testSame: number[] = [];
  const testAcross: number[] = [];
  const [agentA] = [...onA];
  const [agentB] = [...onB];
  for (let round = 0; round < ROUNDS; round++)
    for (const [agent, into] of [
      [agentA!, testSame],
      [agentB!, testAcross],
    ] as const) {
      const t0 = performance.now();
      await call(a.httpUrl, 'POST', `/api/v1/agents/${agent}/test`, { check: 'svc' });
      into.push(performance.now() - t0);
    }

  console.log(
    `${AGENTS} agents (${onA.size} on replica A, ${onB.size} on B), ${ROUNDS} rounds, ${cpus().length} CPUs\n`,
  );
  console.log('| change made through replica A, reaching | samples | p50 ms | p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(row('policy apply: agents on A (baseline: same replica)', applySame));
  console.log(row('policy apply: agents on B (LISTEN/NOTIFY)', applyAcross));
  console.log(row('test now round trip: agent on A (baseline)', testSame));
  console.log(row('test now round trip: agent on B (forwarded by NOTIFY)', testAcross));
} finally {
  for (const agent of agents) await agent.stop();
  await haproxy?.stop();
  for (const replica of replicas) await replica.stop();
  await db.drop();
  await deleteRedisPrefix(redisPrefix);
  await admin.remove();
  await service.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
