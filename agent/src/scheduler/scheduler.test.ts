import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, type ScheduledCheck } from './scheduler.js';

interface TestCheck extends ScheduledCheck {
  /** How long one run takes, in fake milliseconds. */
  takesMs?: number;
  /** The run ignores its abort signal, as a misbehaving probe might. */
  stubborn?: boolean;
  /** A field that does not affect timing, to tell changed checks from unchanged ones. */
  target?: string;
}

interface Run {
  id: string;
  start: number;
  end?: number;
  signal: AbortSignal;
}

/** Waits `ms` (fake) milliseconds, or until the signal aborts, as a real probe does. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A scheduler whose runs are recorded with their fake start and end times. */
function harness(random = () => 0) {
  const runs: Run[] = [];
  const scheduler = createScheduler<TestCheck>({
    random,
    run: async (check, signal) => {
      const run: Run = { id: check.id, start: Date.now(), signal };
      runs.push(run);
      if (check.takesMs) await delay(check.takesMs, check.stubborn ? undefined : signal);
      run.end = Date.now();
    },
  });
  const startsOf = (id: string) => runs.filter((r) => r.id === id).map((r) => r.start);
  return { scheduler, runs, startsOf };
}

const check = (id: string, intervalMs: number, extra: Partial<TestCheck> = {}): TestCheck => ({
  id,
  intervalMs,
  enabled: true,
  ...extra,
});

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('scheduler', () => {
  it('delays the first run by random × min(interval, 10 s)', async () => {
    const { scheduler, startsOf } = harness(() => 0.5);
    scheduler.update([check('short', 4000), check('long', 120_000)]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(startsOf('short')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(startsOf('short')).toEqual([2000]);
    // a long interval is capped at 10 s of jitter: 0.5 × 10 s
    await vi.advanceTimersByTimeAsync(3000);
    expect(startsOf('long')).toEqual([5000]);
    await scheduler.stop();
  });

  it('keeps every first run inside the jitter window even at the top of the random range', async () => {
    const { scheduler, startsOf } = harness(() => 0.999_999);
    scheduler.update([check('a', 60_000), check('b', 3000)]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(startsOf('a')).toEqual([9999]);
    expect(startsOf('b')).toEqual([2999, 5999, 8999]);
    await scheduler.stop();
  });

  it('runs at a fixed rate while probes are quicker than the interval', async () => {
    const { scheduler, startsOf } = harness();
    scheduler.update([check('a', 1000, { takesMs: 300 })]);
    await vi.advanceTimersByTimeAsync(3500);
    expect(startsOf('a')).toEqual([0, 1000, 2000, 3000]);
    await scheduler.stop();
  });

  it('never overlaps runs of one check: a slow probe is followed right after it ends', async () => {
    const { scheduler, runs } = harness();
    scheduler.update([check('slow', 1000, { takesMs: 2500 })]);
    await vi.advanceTimersByTimeAsync(10_000);
    // each run starts when the previous one ends (a zero-delay timer fires after 1 ms)
    expect(runs.length).toBe(4);
    for (const [i, run] of runs.entries()) {
      expect(run.end ?? Date.now()).toBeGreaterThanOrEqual(run.start);
      const previous = runs[i - 1];
      if (previous) expect(run.start - previous.end!).toBeGreaterThanOrEqual(0);
      if (previous) expect(run.start - previous.end!).toBeLessThanOrEqual(1);
    }
    await scheduler.stop();
  });

  it('swaps the set of checks: removed stop, changed restart, unchanged keep their timing', async () => {
    const { scheduler, startsOf, runs } = harness(() => 0.1);
    scheduler.update([check('keep', 1000), check('change', 1000), check('drop', 1000, { takesMs: 500 })]);
    await vi.advanceTimersByTimeAsync(1150);
    expect(startsOf('keep')).toEqual([100, 1100]);
    expect(startsOf('drop')).toEqual([100, 1100]);

    scheduler.update([check('keep', 1000), check('change', 1000, { target: 'new' }), check('add', 2000)]);
    const dropped = runs.findLast((r) => r.id === 'drop')!;
    expect(dropped.signal.aborted).toBe(true);
    expect([...scheduler.checks.keys()]).toEqual(['keep', 'change', 'add']);

    await vi.advanceTimersByTimeAsync(2000);
    expect(startsOf('keep')).toEqual([100, 1100, 2100, 3100]);
    expect(startsOf('drop')).toEqual([100, 1100]);
    // restarted with a fresh jitter (0.1 × 1 s) from the moment of the update
    expect(startsOf('change')).toEqual([100, 1100, 1250, 2250]);
    expect(startsOf('add')).toEqual([1350]);
    await scheduler.stop();
  });

  it('treats a disabled check as removed', async () => {
    const { scheduler, startsOf } = harness();
    scheduler.update([check('a', 1000)]);
    await vi.advanceTimersByTimeAsync(1500);
    scheduler.update([check('a', 1000, { enabled: false })]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(startsOf('a')).toEqual([0, 1000]);
    expect(scheduler.checks.size).toBe(0);
    await scheduler.stop();
  });

  it('starts a changed check only after its previous run has ended', async () => {
    // This run ignores its abort signal and takes 3 s: the replacement must wait for it.
    const { scheduler, runs } = harness();
    scheduler.update([check('a', 1000, { takesMs: 3000, stubborn: true })]);
    await vi.advanceTimersByTimeAsync(500);
    scheduler.update([check('a', 1000, { takesMs: 100 })]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs.slice(0, 2).map((r) => [r.start, r.end])).toEqual([
      [0, 3000],
      [3000, 3100],
    ]);
    await scheduler.stop();
  });

  it('stop cancels everything and waits for the probes in flight', async () => {
    const { scheduler, runs } = harness();
    scheduler.update([check('a', 1000, { takesMs: 400, stubborn: true }), check('b', 1000)]);
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    expect(runs[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs.map((r) => [r.id, r.start])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps running a check whose probe throws', async () => {
    let calls = 0;
    const scheduler = createScheduler<TestCheck>({
      random: () => 0,
      run: async () => {
        calls++;
        throw new Error('boom');
      },
    });
    scheduler.update([check('a', 1000)]);
    await vi.advanceTimersByTimeAsync(2500);
    expect(calls).toBe(3);
    await scheduler.stop();
  });
});
