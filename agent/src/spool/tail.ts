import type { SpooledResult } from './record.js';

/**
 * The newest results, kept in memory so that sending them as they come never reads the disk.
 * Invariant: every result on disk with a seq of at least `firstSeq` is here; older ones are read
 * from their segment. Bounded by the payload bytes it holds, dropping the oldest first.
 */
export class Tail {
  private items: { result: SpooledResult; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Results from here on are all in memory. */
    public firstSeq: number,
  ) {}

  push(result: SpooledResult, bytes: number): void {
    this.items.push({ result, bytes });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.head < this.items.length) {
      this.bytes -= this.items[this.head]!.bytes;
      this.head++;
      this.firstSeq = this.items[this.head]?.result.seq ?? result.seq + 1;
    }
    this.compact();
  }

  /** Forgets results up to `seq` (acknowledged); they are never asked for again. */
  dropUpTo(seq: number): void {
    while (this.head < this.items.length && this.items[this.head]!.result.seq <= seq) {
      this.bytes -= this.items[this.head]!.bytes;
      this.head++;
    }
    this.compact();
  }

  /** Forgets results evicted from the disk. */
  remove(seqs: ReadonlySet<number>): void {
    const kept = this.items.slice(this.head).filter((item) => !seqs.has(item.result.seq));
    this.bytes = kept.reduce((sum, item) => sum + item.bytes, 0);
    this.items = kept;
    this.head = 0;
  }

  /** Results with a seq above `seq`, at most `limit`. */
  after(seq: number, limit: number): SpooledResult[] {
    let low = this.head;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.items[mid]!.result.seq <= seq) low = mid + 1;
      else high = mid;
    }
    const end = Math.min(this.items.length, low + Math.min(limit, this.items.length));
    return this.items.slice(low, end).map((item) => item.result);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
