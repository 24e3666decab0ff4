import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then one attempt per refill interval', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 1000, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    // Empty: the wait is the time until one attempt has refilled.
    expect(limiter.take('a')).toBe(1000);
    now = 400;
    expect(limiter.take('a')).toBe(600);
    now = 1000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(1, 1000, 100, () => 0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('never refills beyond the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1000, 100, () => now);
    limiter.take('a');
    now = 60_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1000]);
  });

  it('stays bounded: full buckets go first, then the least recently used', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1000, 3, () => now);
    limiter.take('busy');
    limiter.take('busy');
    now = 10_000; // every bucket taken before now has refilled
    for (const key of ['a', 'b', 'c']) limiter.take(key);
    expect(limiter.size).toBeLessThanOrEqual(3);
    // 'busy' had refilled completely: forgetting it loses nothing.
    expect(limiter.take('busy')).toBe(0);
  });
});
