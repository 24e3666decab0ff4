import { describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createFollowupLoop, type Sweep } from './loop.js';

function counting(name: string, results: (number | Error)[]): Sweep & { seen: Date[] } {
  const seen: Date[] = [];
  return {
    name,
    seen,
    async run(now) {
      seen.push(now);
      const next = results.shift() ?? 0;
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('createFollowupLoop', () => {
  it('runs every sweep with the same now, and wakes the relay only when rows were written', async () => {
    const at = new Date('2026-12-07T10:00:00Z');
    const a = counting('a', [0, 2]);
    const b = counting('b', [0, 1]);
    let wakes = 0;
    const loop = createFollowupLoop({
      sweeps: [a, b],
      logger: silentLogger(),
      onEvents: () => (wakes += 1),
      now: () => at,
    });
    expect(await loop.runOnce()).toBe(0);
    expect(wakes).toBe(0);
    expect(await loop.runOnce()).toBe(3);
    expect(wakes).toBe(1);
    expect(a.seen).toEqual([at, at]);
    expect(b.seen).toEqual([at, at]);
  });

  it('a failing sweep does not stop the others', async () => {
    const broken = counting('broken', [new Error('database gone')]);
    const fine = counting('fine', [1]);
    const loop = createFollowupLoop({ sweeps: [broken, fine], logger: silentLogger(), onEvents: () => {} });
    expect(await loop.runOnce()).toBe(1);
    expect(fine.seen).toHaveLength(1);
  });

  it('runs by itself once started, and stops', async () => {
    let resolveRan: () => void;
    const ran = new Promise<void>((resolve) => (resolveRan = resolve));
    const sweep: Sweep = {
      name: 'once',
      run: async () => {
        resolveRan();
        return 0;
      },
    };
    const loop = createFollowupLoop({
      sweeps: [sweep],
      logger: silentLogger(),
      onEvents: () => {},
      intervalMs: 5,
    });
    loop.start();
    await ran;
    await loop.stop();
  });
});
