import { Redis } from 'ioredis';

/**
 * Asks Redis for its maxmemory-policy: CONFIG GET, or INFO memory where CONFIG is renamed or
 * denied (managed services do both). Undefined when Redis answers neither; rejects when Redis
 * cannot be reached, or (rediss://) its certificate does not verify.
 */
export async function readEvictionPolicy(redisUrl: string, timeoutMs = 2000): Promise<string | undefined> {
  // One try, no retries, no queue: this is one question at start, not a connection to keep.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // A Redis that accepts and never answers must not hold the start (nor a stop signal) forever.
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with "Connection is closed."; the cause (refused, certificate) comes here.
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause = err));
  try {
    await redis.connect().catch((err: unknown) => {
      throw cause ?? err;
    });
    await redis.ping(); // a Redis that never answers is out of reach, not one that hides its policy
    return await evictionPolicyOf(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * The policy on a connected client, in one place for the start check and readiness: CONFIG GET,
 * else INFO memory (CONFIG renamed or denied, as managed services do); undefined when neither answers.
 */
export async function evictionPolicyOf(redis: Redis): Promise<string | undefined> {
  return (await fromConfig(redis)) ?? (await fromInfo(redis));
}

async function fromConfig(redis: Redis): Promise<string | undefined> {
  const reply = (await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
  return reply[1];
}

async function fromInfo(redis: Redis): Promise<string | undefined> {
  const text = await redis.info('memory').catch(() => '');
  return /^maxmemory_policy:(\S+)/m.exec(text)?.[1];
}
