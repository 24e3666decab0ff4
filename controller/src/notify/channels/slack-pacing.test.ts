import { describe, expect, it } from 'vitest';
import { createBatcher, pace, type BatcherClock, type PaceState } from './slack-pacing.js';

const options = { intervalMs: 1000, gatherMs: 100 };

describe('pace', () => {
  it.each<[string, PaceState, number, ReturnType<typeof pace>]>([
    // nothing sent yet: wait the gather time for a burst to join
    ['first notification', {}, 5000, { action: 'open', flushAt: 5100 }],
    // a batch is waiting: join it, whatever the time
    ['batch open', { flushAt: 5100 }, 5050, { action: 'join' }],
    ['batch open, last sent long ago', { lastSentAt: 0, flushAt: 5100 }, 5099, { action: 'join' }],
    // the last message went out long ago: only the gather time
    ['quiet for a while', { lastSentAt: 1000 }, 5000, { action: 'open', flushAt: 5100 }],
    // sent 300 ms ago: wait until a second after it
    ['sent 300 ms ago', { lastSentAt: 4700 }, 5000, { action: 'open', flushAt: 5700 }],
    // sent 950 ms ago: the gather time is the longer wait
    ['sent 950 ms ago', { lastSentAt: 4050 }, 5000, { action: 'open', flushAt: 5100 }],
    // sent exactly now: a full interval
    ['sent just now', { lastSentAt: 5000 }, 5000, { action: 'open', flushAt: 6000 }],
    // the clock ran backwards past the last send: never more than one interval
    ['clock went backwards', { lastSentAt: 90_000 }, 5000, { action: 'open', flushAt: 6000 }],
  ])('%s', (_why, state, now, expected) => {
    expect(pace(state, now, options)).toEqual(expected);
  });

  it('with no gather time, the first notification goes out at once', () => {
    expect(pace({}, 7, { intervalMs: 1000, gatherMs: 0 })).toEqual({ action: 'open', flushAt: 7 });
  });
});

/** A clock the test moves by hand; `fire` runs the timers that are due. */
function manualClock() {
  let time = 0;
  let timers: { at: number; callback: () => void }[] = [];
  const clock: BatcherClock = {
    now: () => time,
    schedule: (callback, delayMs) => void timers.push({ at: time + delayMs, callback }),
  };
  return {
    clock,
    advance(ms: number) {
      time += ms;
      const due = timers.filter((t) => t.at <= time);
      timers = timers.filter((t) => t.at > time);
      due.forEach((t) => t.callback());
    },
    pending: () => timers.map((t) => t.at),
  };
}

describe('createBatcher', () => {
  it('sends notifications that come together as one batch, and the next one a second later', async () => {
    const { clock, advance, pending } = manualClock();
    const flushed: [string, string[], number][] = [];
    const batcher = createBatcher<string>(
      async (key, items) => void flushed.push([key, [...items], clock.now()]),
      options,
      clock,
    );
    const first = ['a', 'b', 'c'].map((item) => batcher.add('hook', item));
    expect(pending()).toEqual([100]);
    advance(100);
    await Promise.all(first);
    expect(flushed).toEqual([['hook', ['a', 'b', 'c'], 100]]);

    advance(50); // 150: within the second after the last message
    const late = [batcher.add('hook', 'd'), batcher.add('hook', 'e')];
    expect(pending()).toEqual([1100]);
    advance(949);
    expect(flushed).toHaveLength(1);
    advance(1);
    await Promise.all(late);
    expect(flushed[1]).toEqual(['hook', ['d', 'e'], 1100]);
  });

  it('paces each key on its own', async () => {
    const { clock, advance } = manualClock();
    const flushed: string[] = [];
    const batcher = createBatcher<string>(async (key) => void flushed.push(key), options, clock);
    const sends = [batcher.add('one', 'a'), batcher.add('two', 'b')];
    advance(100);
    await Promise.all(sends);
    expect(flushed.toSorted()).toEqual(['one', 'two']);
  });

  it("rejects every item of a batch with the batch's error", async () => {
    const { clock, advance } = manualClock();
    const failure = new Error('boom');
    const batcher = createBatcher<string>(() => Promise.reject(failure), options, clock);
    const sends = [batcher.add('hook', 'a'), batcher.add('hook', 'b')];
    advance(100);
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });
});
