/**
 * Pacing for Slack incoming webhooks, which take about one message per second each: notifications
 * for the same webhook that arrive close together are sent as ONE message listing them, never
 * dropped. The decision is pure (`pace`, time injected); `createBatcher` holds the batches.
 *
 * The pace is per process: each controller replica paces its own sends, so N replicas may post up
 * to N messages a second to one webhook. Slack tolerates short bursts, and a 429 is retried after
 * its Retry-After like any other (`../retry.ts`).
 */

export interface PacingOptions {
  /** At most one message per this many milliseconds per webhook. @default 1000 */
  intervalMs: number;
  /**
   * How long the first notification after a quiet spell waits for others to join it: a burst (an
   * agent down fails all its checks at once) becomes one message. @default 100
   */
  gatherMs: number;
}

export const DEFAULT_PACING: Readonly<PacingOptions> = { intervalMs: 1000, gatherMs: 100 };

/** One webhook's pace, as `pace` sees it; times from a monotonic clock, in milliseconds. */
export interface PaceState {
  /** When the last message was posted; absent when none was. */
  lastSentAt?: number;
  /** When the open batch is posted; absent when no batch is open. */
  flushAt?: number;
}

/** `join`: add to the open batch. `open`: start a batch, posted at `flushAt`. */
export type PaceDecision = { action: 'join' } | { action: 'open'; flushAt: number };

/**
 * Where a notification arriving at `now` goes: into the open batch if there is one; otherwise into
 * a new batch posted after the gather time and no sooner than one interval after the last post,
 * and never more than one interval from now (should the clock run backwards).
 */
export function pace(state: PaceState, now: number, options: PacingOptions): PaceDecision {
  if (state.flushAt !== undefined) return { action: 'join' };
  const earliest = state.lastSentAt === undefined ? now : state.lastSentAt + options.intervalMs;
  const flushAt = Math.min(Math.max(now + options.gatherMs, earliest), now + options.intervalMs);
  return { action: 'open', flushAt };
}

/** Posts one batch; its outcome settles every item's promise. */
export type Flush<T> = (key: string, items: readonly T[]) => Promise<void>;

export interface Batcher<T> {
  /** Resolves or rejects with the outcome of the message the item went out in. */
  add(key: string, item: T): Promise<void>;
}

export interface BatcherClock {
  /** @default performance.now */
  now(): number;
  /** @default setTimeout */
  schedule(callback: () => void, delayMs: number): void;
}

interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

interface KeyState<T> extends PaceState {
  waiting: Waiting<T>[];
}

const REAL_CLOCK: BatcherClock = {
  now: () => performance.now(),
  schedule: (callback, delayMs) => void setTimeout(callback, delayMs),
};

/**
 * Per-process batches, one per key (the webhook URL). A key's state is kept after its batch went
 * out, for the next decision: one small entry per webhook the policy names.
 */
export function createBatcher<T>(
  flush: Flush<T>,
  options: PacingOptions = DEFAULT_PACING,
  clock: BatcherClock = REAL_CLOCK,
): Batcher<T> {
  const states = new Map<string, KeyState<T>>();

  function post(key: string, state: KeyState<T>): void {
    const batch = state.waiting;
    state.waiting = [];
    state.flushAt = undefined;
    state.lastSentAt = clock.now();
    flush(
      key,
      batch.map((w) => w.item),
    ).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  }

  return {
    add(key, item) {
      let state = states.get(key);
      if (!state) states.set(key, (state = { waiting: [] }));
      const now = clock.now();
      const decision = pace(state, now, options);
      const done = new Promise<void>((resolve, reject) => state.waiting.push({ item, resolve, reject }));
      if (decision.action === 'open') {
        state.flushAt = decision.flushAt;
        const current = state;
        clock.schedule(() => post(key, current), decision.flushAt - now);
      }
      return done;
    },
  };
}
