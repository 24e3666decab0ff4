import { describe, expect, it } from 'vitest';
import { createReadiness, type ReadinessProbes } from './monitor.js';
import type { RedisProbe } from './redis-probe.js';

const never = () => new Promise<never>(() => {});

function monitor(probes: Partial<ReadinessProbes>) {
  const changes: boolean[] = [];
  const readiness = createReadiness({
    probes: { postgres: async () => 1, grpcListening: () => true, ...probes },
    intervalMs: 10_000,
    timeoutMs: 50,
    onChange: (ready) => changes.push(ready),
  });
  return { readiness, changes };
}

describe('readiness monitor', () => {
  it('is not ready before its first probe, ready after it, and not ready the moment it stops', async () => {
    const { readiness, changes } = monitor({});
    expect(readiness.report()).toMatchObject({ status: 'not-ready', phase: 'starting' });
    await readiness.start();
    expect(readiness.report().status).toBe('ready');
    readiness.stop();
    expect(readiness.report()).toMatchObject({ status: 'not-ready', phase: 'stopping' });
    expect(changes).toEqual([true, false]);
  });

  it('counts a dependency that does not answer within the timeout as down', async () => {
    const { readiness, changes } = monitor({ postgres: never });
    await readiness.start();
    expect(readiness.report().checks.postgres).toEqual({ ok: false, error: 'no answer within 50 ms' });
    expect(changes).toEqual([]);
    readiness.stop();
  });

  it('reads the eviction policy from the Redis probe, and closes the probe at stop', async () => {
    let closed = false;
    const probe: RedisProbe = { evictionPolicy: async () => 'volatile-lru', close: () => (closed = true) };
    const { readiness } = monitor({ redis: () => probe });
    await readiness.start();
    expect(readiness.report().checks.redis).toMatchObject({ ok: false, evictionPolicy: 'volatile-lru' });
    readiness.stop();
    expect(closed).toBe(true);
  });
});
