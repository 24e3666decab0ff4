/** Latency samples of one query, and their percentiles. */

export interface Latency {
  p50: number;
  p99: number;
  /** Rows the query returned (the last sample's). */
  rows: number;
  samples: number;
}

/** Milliseconds of each run, in order. */
export async function sample(
  runs: number,
  query: (i: number) => Promise<unknown[]>,
): Promise<[number[], number]> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const began = process.hrtime.bigint();
    rows = (await query(i)).length;
    times.push(Number(process.hrtime.bigint() - began) / 1e6);
  }
  return [times, rows];
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latency(times: readonly number[], rows: number): Latency {
  return { p50: percentile(times, 50), p99: percentile(times, 99), rows, samples: times.length };
}
