import { Redis } from 'ioredis';
import { evictionPolicyOf } from '../safety/redis-policy.js';

/** Asks Redis whether it answers and how it evicts, on a connection of its own. */
export interface RedisProbe {
  /** PING, then the eviction policy; rejects when Redis does not answer. */
  evictionPolicy(): Promise<string>;
  close(): void;
}

export function createRedisProbe(url: string, timeoutMs: number): RedisProbe {
  // Fail at once while disconnected rather than queue: a probe that waits says nothing.
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    // Its ready check sends INFO, which a locked-down Redis may refuse: PING says enough.
    enableReadyCheck: false,
  });
  redis.on('error', () => {}); // each probe reports the outage; the client reconnects by itself
  return {
    async evictionPolicy() {
      await connected(redis);
      await redis.ping();
      return (await evictionPolicyOf(redis)) ?? 'unknown';
    },
    close: () => redis.disconnect(),
  };
}

/** Resolves once connected; rejects at the next error (the caller bounds the wait). */
async function connected(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      redis.off('ready', done);
      redis.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    redis.once('ready', done);
    redis.once('error', done);
  });
}
