/**
 * One timer for the whole fleet: `count` items, each due once per `periodMs` at its own offset,
 * spread evenly over the period (item i at i/count of it). `due(from, to)` lists the items whose
 * moment falls in [from, to), so one setInterval drives every probe of every agent instead of a
 * timer each. Times are milliseconds on any monotonic clock; `startMs` is the period's origin.
 */
export class Wheel {
  constructor(
    readonly count: number,
    readonly periodMs: number,
    readonly startMs = 0,
  ) {
    if (count < 0 || !Number.isInteger(count)) throw new RangeError(`bad item count ${count}`);
    if (!(periodMs > 0)) throw new RangeError(`bad period ${periodMs}`);
  }

  /** The offset of item i within the period, ms. */
  offsetOf(item: number): number {
    return (item * this.periodMs) / this.count;
  }

  /** Calls `visit(item, atMs)` for each moment in [fromMs, toMs), in time order. */
  due(fromMs: number, toMs: number, visit: (item: number, atMs: number) => void): void {
    if (this.count === 0 || toMs <= fromMs) return;
    const step = this.periodMs / this.count;
    // The first moment at or after fromMs: k-th moment since start is at start + k * step.
    let k = Math.ceil((fromMs - this.startMs) / step);
    if (k < 0) k = 0;
    for (;;) {
      const at = this.startMs + k * step;
      if (at >= toMs) return;
      visit(k % this.count, at);
      k++;
    }
  }
}
