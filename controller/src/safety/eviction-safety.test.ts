import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { evictionSafety } from './eviction-safety.js';

describe('evictionSafety', () => {
  // [maxmemory-policy, --allow-redis-eviction, refused?, why]
  const cases: [string | undefined, boolean, boolean, string][] = [
    ['noeviction', false, false, 'writes fail instead of keys vanishing: BullMQ can live with that'],
    ['allkeys-lru', false, true, 'jobs may vanish under memory pressure'],
    ['volatile-lru', false, true, 'BullMQ sets expiries on some keys: those may vanish'],
    ['allkeys-random', false, true, 'any key may vanish'],
    [undefined, false, true, 'Redis would not say: no promise can be made'],
    ['allkeys-lru', true, false, 'the operator said so explicitly'],
    [undefined, true, false, 'same'],
  ];
  it.each(cases)('%s allow=%s -> refused %s (%s)', (policy, allow, refused) => {
    expect(evictionSafety(policy, { allowRedisEviction: allow }) !== undefined).toBe(refused);
  });

  it('names the policy and gives the fix', () => {
    const error = evictionSafety('allkeys-lru', {});
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/maxmemory-policy is allkeys-lru/);
    expect(error?.hint).toContain('CONFIG SET maxmemory-policy noeviction');
    expect(error?.hint).toContain('redis.conf');
    expect(error?.hint).toContain('--allow-redis-eviction');
  });
});
