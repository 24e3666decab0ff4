import type { Logger } from '@portwarden/common/logger';
import type { Sweep } from './loop.js';

/**
 * The reconciler: a delivery whose BullMQ job is gone (Redis restarted without persistence, or
 * flushed) and that has no final row in the notification log gets its job again, under the same
 * derived id (notify/keys.ts), so a job that still exists is never doubled. In-process delivery
 * has no Redis to lose; the sweep does nothing there.
 */

/** A relayed event's channel with no final notification row (store/notification-log.ts). */
export interface UndeliveredPair {
  outboxId: number;
  event: 'opened' | 'resolved';
  channelIndex: number;
  channelKey: string;
  relayedAt: Date;
}

/** Where the sweep finds them: relayed between `from` and `to`, oldest first. */
export interface UndeliveredPairs {
  list(from: Date, to: Date, limit: number): Promise<UndeliveredPair[]>;
}

/** The queue's jobs by their derived ids (notify/queue.ts `DeliveryJobs`). */
export interface RequeueJobs {
  /** BullMQ's job state, or `missing`. */
  state(pair: UndeliveredPair): Promise<string>;
  add(pair: UndeliveredPair): Promise<void>;
  retry(pair: UndeliveredPair): Promise<void>;
}

export interface ReconcileWindow {
  /** A job is only looked for this long after relaying: the relay adds it in that time. */
  graceMs: number;
  /** Failed jobs are kept 7 days (notify/queue.ts): older pairs are left alone. */
  maxAgeMs: number;
}

export const DEFAULT_RECONCILE_WINDOW: Readonly<ReconcileWindow> = {
  graceMs: 30_000,
  maxAgeMs: 7 * 86_400_000,
};

/** `add`: the job is gone; `retry`: BullMQ gave up on it without a final outcome recorded. */
export type RequeueAction = 'add' | 'retry';

/**
 * Whether a delivery with no final row needs its job again, pure. A job that will still run
 * (waiting, delayed, active, prioritized) is left alone; so is a completed one (its outcome is recorded) and any state not known here
 * (doubling a notification is worse than a delay the next pass can still fix).
 */
export function decideRequeue(
  relayedAt: Date,
  jobState: string,
  now: Date,
  window: ReconcileWindow,
): RequeueAction | undefined {
  const age = now.getTime() - relayedAt.getTime();
  if (age < window.graceMs || age > window.maxAgeMs) return undefined;
  if (jobState === 'missing') return 'add';
  if (jobState === 'failed') return 'retry';
  return undefined;
}

export interface ReconcileSweepOptions {
  pairs: UndeliveredPairs;
  /** The queue's jobs; undefined in-process. Asked at each pass (the queue starts after the sweep is made). */
  jobs: () => RequeueJobs | undefined;
  logger: Logger;
  window?: Partial<ReconcileWindow>;
  /** Pairs looked at per pass, oldest first. @default 1000 */
  batch?: number;
}

export function reconcileSweep(options: ReconcileSweepOptions): Sweep {
  const logger = options.logger.child({ component: 'reconcile' });
  const window = { ...DEFAULT_RECONCILE_WINDOW, ...options.window };
  const batch = options.batch ?? 1000;
  return {
    name: 'reconcile',
    async run(now) {
      const jobs = options.jobs();
      if (!jobs) return 0;
      const from = new Date(now.getTime() - window.maxAgeMs);
      const to = new Date(now.getTime() - window.graceMs);
      for (const pair of await options.pairs.list(from, to, batch)) {
        const jobState = await jobs.state(pair);
        const action = decideRequeue(pair.relayedAt, jobState, now, window);
        if (!action) continue;
        await (action === 'add' ? jobs.add(pair) : jobs.retry(pair));
        logger.info(
          { outboxId: pair.outboxId, channel: pair.channelKey, jobState, action },
          'notification job re-enqueued: it was gone from the queue',
        );
      }
      // Re-enqueued jobs are not outbox rows: there is nothing for the relay to do.
      return 0;
    },
  };
}
