import { describe, expect, it } from 'vitest';
import { percentile, perSecond, Samples, summarize } from './stats.js';

describe('percentile (nearest rank)', () => {
  const cases: { values: number[]; p: number; want: number | null }[] = [
    { values: [], p: 50, want: null },
    { values: [7], p: 0, want: 7 },
    { values: [7], p: 99, want: 7 },
    { values: [1, 2, 3, 4], p: 50, want: 2 },
    { values: [1, 2, 3, 4], p: 51, want: 3 },
    { values: [1, 2, 3, 4], p: 100, want: 4 },
    // 100 values 1..100: p99 is the 99th, p95 the 95th.
    { values: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, want: 99 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), p: 95, want: 95 },
    // One slow value in 1000 does not reach p99; eleven do.
    { values: [...Array<number>(999).fill(1), 500], p: 99, want: 1 },
    { values: [...Array<number>(989).fill(1), ...Array<number>(11).fill(500)], p: 99, want: 500 },
  ];
  it.each(cases)('p$p of $values.length values is $want', ({ values, p, want }) => {
    expect(percentile(values, p)).toBe(want);
  });
});

describe('Samples', () => {
  it('weights a value added n times as n samples, across growth', () => {
    const samples = new Samples();
    samples.add(5, 3000); // past the initial 1024
    samples.add(1);
    samples.add(900, 31);
    expect(samples.count).toBe(3032);
    expect(samples.summary()).toEqual({ count: 3032, p50: 5, p95: 5, p99: 900, max: 900 });
  });

  it('summarizes nothing as nulls', () => {
    expect(summarize([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });
});

describe('perSecond', () => {
  it.each([
    { count: 1500, windowMs: 60_000, want: 25 },
    { count: 0, windowMs: 1000, want: 0 },
    { count: 10, windowMs: 0, want: 0 },
  ])('$count in $windowMs ms is $want/s', ({ count, windowMs, want }) => {
    expect(perSecond(count, windowMs)).toBe(want);
  });
});
