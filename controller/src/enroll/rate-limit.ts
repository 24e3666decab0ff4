/**
 * Token buckets by key (a peer address, an agent name): `burst` attempts at once, then one more
 * every `refillMs`. Memory is bounded: at `maxKeys`, buckets that have refilled completely (they
 * hold nothing worth remembering) are forgotten first, then the oldest.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one attempt; returns 0 when allowed, else the milliseconds until the next is. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.refill(this.buckets.get(key), now);
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return Math.ceil((1 - bucket.tokens) * this.refillMs);
    }
    bucket.tokens -= 1;
    this.buckets.delete(key); // re-inserted last: the map stays in least-recently-used order
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: { tokens: number; at: number } | undefined, now: number) {
    if (!bucket) return { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.refillMs);
    return { tokens, at: now };
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets)
      if (this.refill(bucket, now).tokens >= this.burst) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
