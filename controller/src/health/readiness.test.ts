import { describe, expect, it } from 'vitest';
import { judgeReadiness, NOT_PROBED, type Findings } from './readiness.js';

const up = { ok: true as const, ms: 2 };
const down = { ok: false as const, error: 'connect ECONNREFUSED 127.0.0.1:6379' };
const healthy: Findings = {
  phase: 'running',
  postgres: up,
  redis: { ...up, evictionPolicy: 'noeviction' },
  grpcListening: true,
  evictionAllowed: false,
};

describe('judgeReadiness', () => {
  const cases: [string, Partial<Findings>, 'ready' | 'not-ready'][] = [
    ['everything answers, Redis does not evict', {}, 'ready'],
    ['no Redis: in-process delivery', { redis: 'in-process' }, 'ready'],
    ['still starting', { phase: 'starting' }, 'not-ready'],
    ['stopping, although everything answers', { phase: 'stopping' }, 'not-ready'],
    ['PostgreSQL not probed yet', { postgres: undefined }, 'not-ready'],
    ['PostgreSQL does not answer', { postgres: down }, 'not-ready'],
    ['Redis not probed yet', { redis: undefined }, 'not-ready'],
    ['Redis does not answer', { redis: down }, 'not-ready'],
    ['Redis evicts', { redis: { ...up, evictionPolicy: 'allkeys-lru' } }, 'not-ready'],
    ['Redis policy unknown', { redis: up }, 'not-ready'],
    [
      'Redis evicts, allowed',
      { redis: { ...up, evictionPolicy: 'allkeys-lru' }, evictionAllowed: true },
      'ready',
    ],
    ['Redis policy unknown, eviction allowed', { redis: up, evictionAllowed: true }, 'ready'],
    ['Redis down, eviction allowed', { redis: down, evictionAllowed: true }, 'not-ready'],
    ['gRPC not listening', { grpcListening: false }, 'not-ready'],
  ];
  it.each(cases)('%s: %s', (_why, change, status) => {
    expect(judgeReadiness({ ...healthy, ...change }).status).toBe(status);
  });

  it('reports each dependency, and the phase only when not running', () => {
    expect(judgeReadiness(healthy)).toEqual({
      status: 'ready',
      checks: {
        postgres: { ok: true, ms: 2 },
        redis: { ok: true, ms: 2, evictionPolicy: 'noeviction' },
        grpc: { ok: true },
      },
    });
    expect(judgeReadiness({ ...healthy, phase: 'stopping', redis: 'in-process' })).toEqual({
      status: 'not-ready',
      phase: 'stopping',
      checks: {
        postgres: { ok: true, ms: 2 },
        redis: { ok: true, skipped: 'in-process delivery' },
        grpc: { ok: true },
      },
    });
  });

  it('says why a dependency is not ok, with the fix for an evicting Redis', () => {
    const { checks } = judgeReadiness({
      ...healthy,
      postgres: undefined,
      redis: { ...up, evictionPolicy: 'allkeys-lru' },
    });
    expect(checks.postgres).toEqual({ ok: false, error: NOT_PROBED });
    expect(checks.redis).toMatchObject({ ok: false, evictionPolicy: 'allkeys-lru' });
    expect((checks.redis as { error: string }).error).toMatch(
      /allkeys-lru.*CONFIG SET maxmemory-policy noeviction/,
    );
    const unknown = judgeReadiness({ ...healthy, redis: up }).checks.redis;
    expect(unknown).toMatchObject({ ok: false, evictionPolicy: 'unknown' });
    expect((unknown as { error: string }).error).toMatch(/refused both CONFIG GET and INFO/);
  });
});
