import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRedisServer } from '../testing/redis-server.js';
import { createRedisProbe } from './redis-probe.js';

/** A Redis as managed services run it: CONFIG renamed away. */
let redis: TestRedisServer;

beforeAll(async () => {
  redis = await new TestRedisServer([
    '--rename-command',
    'CONFIG',
    '',
    '--maxmemory-policy',
    'allkeys-lru',
  ]).start();
  await redis.command('ACL', 'SETUSER', 'probe', 'on', 'nopass', '+ping', '+client', '-info');
});

afterAll(() => redis?.stop());

describe('Redis probe', () => {
  const cases: [string, (url: URL) => void, string][] = [
    ['CONFIG renamed: the policy comes from INFO', () => {}, 'allkeys-lru'],
    ['CONFIG and INFO both refused: unknown', (url) => (url.username = 'probe'), 'unknown'],
  ];
  it.each(cases)('%s', async (_why, change, policy) => {
    const url = new URL(redis.url);
    change(url);
    const probe = createRedisProbe(url.toString(), 1000);
    try {
      expect(await probe.evictionPolicy()).toBe(policy);
    } finally {
      probe.close();
    }
  });

  it('rejects while Redis does not answer', async () => {
    const probe = createRedisProbe('redis://127.0.0.1:1', 200);
    await expect(probe.evictionPolicy()).rejects.toThrow();
    probe.close();
  });
});
