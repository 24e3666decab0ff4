import { ConfigError } from '@portwarden/common/errors';

/** The explicit consent the Redis check honours. */
export interface EvictionConsent {
  /** --allow-redis-eviction */
  allowRedisEviction?: boolean;
}

/**
 * Refuses a Redis that may evict keys: BullMQ keeps the notification jobs there, and an evicted
 * job is a notification never sent, with nothing in any log. `policy` is undefined when Redis
 * would not tell.
 */
export function evictionSafety(
  policy: string | undefined,
  consent: EvictionConsent,
): ConfigError | undefined {
  if (policy === 'noeviction' || consent.allowRedisEviction) return undefined;
  const what =
    policy === undefined
      ? "cannot read Redis's maxmemory-policy (CONFIG GET and INFO memory were refused)"
      : `Redis's maxmemory-policy is ${policy}`;
  return new ConfigError(
    `refusing to start: ${what}; an evicted notification job is never sent`,
    'run `redis-cli CONFIG SET maxmemory-policy noeviction` and put `maxmemory-policy noeviction` in redis.conf, or pass --allow-redis-eviction (PORTWARDEN_ALLOW_REDIS_EVICTION=1)',
  );
}
