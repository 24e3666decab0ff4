import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import type { Controller } from '../controller.js';
import { testController } from '../testing/controller.js';
import { CutProxy } from '../testing/cut-proxy.js';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../testing/db.js';
import { TestRedisServer } from '../testing/redis-server.js';
import type { ReadinessReport } from './readiness.js';

/** The promise: readiness turns within 5 s of a dependency leaving or coming back. */
const TURN_MS = 5_000;

let db: TestDatabase;
let proxy: CutProxy;
let redis: TestRedisServer;
let controller: Controller;
let httpUrl: string;
let grpcHealth: (service: string) => Promise<string>;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await new CutProxy(Number(new URL(db.url).port)).start();
  redis = await new TestRedisServer().start();
  const url = new URL(db.url);
  url.port = String(proxy.port);
  controller = testController(url.toString(), { redisUrl: redis.url, redisPrefix: testRedisPrefix() });
  const started = await controller.start();
  httpUrl = started.httpUrl;
  grpcHealth = healthClient(started.grpcAddress);
}, 30_000);

afterAll(async () => {
  await controller?.stop();
  await redis?.stop();
  await proxy?.close();
  await db?.drop();
});

async function readyz(): Promise<{ code: number; report: ReadinessReport }> {
  const response = await fetch(`${httpUrl}/readyz`);
  return { code: response.status, report: (await response.json()) as ReadinessReport };
}

/** Waits (at most 5 s) for /readyz to answer `code`, and for the gRPC health service to agree. */
async function turns(code: 200 | 503): Promise<ReadinessReport> {
  const started = Date.now();
  const { report } = await until(
    `/readyz ${code}`,
    async () => {
      const answer = await readyz();
      return answer.code === code && answer;
    },
    TURN_MS,
  );
  const serving = code === 200 ? 'SERVING' : 'NOT_SERVING';
  await until(`gRPC health ${serving}`, async () => (await grpcHealth('')) === serving, TURN_MS);
  expect(Date.now() - started).toBeLessThan(TURN_MS);
  return report;
}

describe('readiness', { timeout: 60_000 }, () => {
  it('is ready with PostgreSQL, a noeviction Redis and the gRPC server', async () => {
    const report = await turns(200);
    expect(report).toMatchObject({
      status: 'ready',
      checks: {
        postgres: { ok: true },
        redis: { ok: true, evictionPolicy: 'noeviction' },
        grpc: { ok: true },
      },
    });
    expect(await grpcHealth('portwarden.agent.v1.AgentService')).toBe('SERVING');
  });

  it('turns not ready within 5 s of Redis stopping, and ready within 5 s of its return', async () => {
    await redis.stop();
    const report = await turns(503);
    expect(report.status).toBe('not-ready');
    expect(report.checks.redis).toMatchObject({ ok: false, error: expect.any(String) });
    expect(report.checks.postgres.ok).toBe(true);
    await redis.start();
    await turns(200);
  });

  it('turns not ready within 5 s of PostgreSQL being cut, and ready within 5 s of its return', async () => {
    await proxy.cut();
    const report = await turns(503);
    expect(report.checks.postgres).toMatchObject({ ok: false, error: expect.any(String) });
    expect(report.checks.redis.ok).toBe(true);
    await proxy.restore();
    await turns(200);
  });

  it('is not ready while Redis may evict, and says how to fix it', async () => {
    await redis.command('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const report = await turns(503);
    expect(report.checks.redis).toMatchObject({ ok: false, evictionPolicy: 'allkeys-lru' });
    expect((report.checks.redis as { error: string }).error).toMatch(/maxmemory-policy noeviction/);
    await redis.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await turns(200);
  });
});

function healthClient(address: string): (service: string) => Promise<string> {
  const definition = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new definition.grpc.health.v1.Health(address, credentials.createInsecure()) as unknown as {
    check(request: object, done: (err: Error | null, reply: { status: string }) => void): void;
  };
  return (service) =>
    new Promise((resolve, reject) =>
      client.check({ service }, (err, reply) => (err ? reject(err) : resolve(reply.status))),
    );
}
