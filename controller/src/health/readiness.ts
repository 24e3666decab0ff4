/**
 * Whether the controller is ready, from what its probes last found: the one place this is
 * decided. `/readyz`, `/healthz` and the gRPC health service all answer from its report.
 */

/** Where the controller is in its life: only a running one can be ready. */
export type Phase = 'starting' | 'running' | 'stopping';

/** What one probe found: it answered within its time (and how fast), or why not. */
export type ProbeResult = { ok: true; ms: number } | { ok: false; error: string };

/** Redis answered PING; its eviction policy, or 'unknown' when neither CONFIG nor INFO would say. */
export type RedisFinding = ProbeResult & { evictionPolicy?: string };

export interface Findings {
  phase: Phase;
  /** Undefined until the first probe has answered. */
  postgres?: ProbeResult;
  /** 'in-process' when no Redis is configured; undefined until the first probe. */
  redis?: RedisFinding | 'in-process';
  grpcListening: boolean;
  /** --allow-redis-eviction: an evicting (or unknown) policy does not make the controller unready. */
  evictionAllowed: boolean;
}

export type CheckReport = { ok: boolean; ms?: number; error?: string };
export type RedisReport =
  (CheckReport & { evictionPolicy?: string }) | { ok: true; skipped: 'in-process delivery' };

export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  /** Why a controller whose dependencies all answer is not ready. */
  phase?: Phase;
  checks: { postgres: CheckReport; redis: RedisReport; grpc: { ok: boolean } };
}

export const NOT_PROBED = 'not probed yet';
const SAFE_POLICY = 'noeviction';

export function judgeReadiness(findings: Findings): ReadinessReport {
  const checks = {
    postgres: findings.postgres ?? { ok: false, error: NOT_PROBED },
    redis: judgeRedis(findings.redis, findings.evictionAllowed),
    grpc: { ok: findings.grpcListening },
  };
  const allOk = checks.postgres.ok && checks.redis.ok && checks.grpc.ok;
  const running = findings.phase === 'running';
  return {
    status: allOk && running ? 'ready' : 'not-ready',
    ...(!running && { phase: findings.phase }),
    checks,
  };
}

function judgeRedis(redis: Findings['redis'], evictionAllowed: boolean): RedisReport {
  if (redis === 'in-process') return { ok: true, skipped: 'in-process delivery' };
  if (!redis) return { ok: false, error: NOT_PROBED };
  if (!redis.ok) return redis;
  const policy = redis.evictionPolicy ?? 'unknown';
  if (policy === SAFE_POLICY || evictionAllowed) return { ...redis, evictionPolicy: policy };
  return { ok: false, ms: redis.ms, evictionPolicy: policy, error: evictionError(policy) };
}

function evictionError(policy: string): string {
  return policy === 'unknown'
    ? 'cannot read maxmemory-policy: Redis refused both CONFIG GET and INFO; run CONFIG SET maxmemory-policy noeviction, or pass --allow-redis-eviction'
    : `maxmemory-policy is ${policy}: Redis may evict queued notifications; run CONFIG SET maxmemory-policy noeviction, or pass --allow-redis-eviction`;
}
