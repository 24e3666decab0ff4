import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createBackoff, isRefusal } from './backoff.js';

describe('backoff', () => {
  it('doubles from 250 ms up to 30 s, each delay between half and all of its ceiling', () => {
    const low = createBackoff({ random: () => 0 });
    const high = createBackoff({ random: () => 1 });
    const lows = Array.from({ length: 10 }, () => low.next());
    const highs = Array.from({ length: 10 }, () => high.next());
    expect(highs).toEqual([250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(lows).toEqual(highs.map((ms) => ms / 2));
  });

  it('starts over after reset and jumps to the cap on slowDown', () => {
    const backoff = createBackoff({ random: () => 1 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(250);
    backoff.slowDown();
    expect(backoff.next()).toBe(30_000);
  });

  it('tells a refusal from an outage', () => {
    expect(isRefusal(status.UNAUTHENTICATED)).toBe(true);
    expect(isRefusal(status.UNAVAILABLE)).toBe(false);
    expect(isRefusal(undefined)).toBe(false);
  });
});
