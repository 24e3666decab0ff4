import { describe, expect, it } from 'vitest';
import { batchesToSend, MAX_BATCH, WINDOW } from './flow.js';
import { Wheel } from './wheel.js';

describe('batchesToSend', () => {
  it.each([
    { name: 'steady state: one result, window open', waiting: 1, inflight: 0, want: [1] },
    { name: 'window full: nothing goes', waiting: 40, inflight: WINDOW, want: [] },
    { name: 'one slot freed: the backlog goes as one batch', waiting: 40, inflight: WINDOW - 1, want: [40] },
    { name: 'a batch is at most MAX_BATCH', waiting: 700, inflight: WINDOW - 2, want: [MAX_BATCH, 200] },
    {
      name: 'what the free slots cannot carry waits',
      waiting: 1200,
      inflight: WINDOW - 2,
      want: [MAX_BATCH, MAX_BATCH],
    },
    { name: 'more slots than needed', waiting: 3, inflight: 0, want: [3] },
    { name: 'nothing waiting', waiting: 0, inflight: 0, want: [] },
  ])('$name', ({ waiting, inflight, want }) => {
    expect(batchesToSend(waiting, inflight)).toEqual(want);
  });
});

describe('Wheel', () => {
  const list = (wheel: Wheel, from: number, to: number) => {
    const seen: [number, number][] = [];
    wheel.due(from, to, (item, at) => seen.push([item, at]));
    return seen;
  };

  it.each([
    {
      name: 'spreads items evenly over the period',
      count: 4,
      period: 100,
      from: 0,
      to: 100,
      want: [
        [0, 0],
        [1, 25],
        [2, 50],
        [3, 75],
      ],
    },
    {
      name: "half-open: the end moment is the next window's",
      count: 4,
      period: 100,
      from: 25,
      to: 75,
      want: [
        [1, 25],
        [2, 50],
      ],
    },
    {
      name: 'wraps into the next period',
      count: 2,
      period: 10,
      from: 5,
      to: 21,
      want: [
        [1, 5],
        [0, 10],
        [1, 15],
        [0, 20],
      ],
    },
    { name: 'an empty window has nothing', count: 4, period: 100, from: 30, to: 30, want: [] },
    { name: 'before the start nothing is due', count: 2, period: 10, from: -20, to: 1, want: [[0, 0]] },
  ])('$name', ({ count, period, from, to, want }) => {
    expect(list(new Wheel(count, period), from, to)).toEqual(want);
  });

  it('visits each item once per period over consecutive ticks, whatever the tick', () => {
    const wheel = new Wheel(1000, 1000, 3);
    const seen = new Uint8Array(1000);
    for (let t = 3; t < 1003; t += 7) wheel.due(t, Math.min(t + 7, 1003), (item) => seen[item]!++);
    expect([...seen].every((n) => n === 1)).toBe(true);
  });

  it('refuses a period of zero', () => {
    expect(() => new Wheel(1, 0)).toThrow(RangeError);
  });
});
