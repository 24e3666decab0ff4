import type { Logger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../state/event.js';
import type { OutboxSink } from '../outbox/sink.js';
import type { Deliver, DeliveryOutcome } from './deliver.js';
import { deliveryJobId } from './keys.js';
import { resolveRetryPolicy, retryDelay, type RetryPolicy } from './retry.js';

export interface InProcessSinkOptions {
  /** The pipeline, from `createDeliver`. */
  deliver: Deliver;
  logger: Logger;
  /** @default DEFAULT_RETRY_POLICY */
  retry?: Partial<RetryPolicy>;
}

export interface InProcessSink extends OutboxSink {
  /** Resolves once nothing is being sent or waiting for a retry. */
  idle(): Promise<void>;
  /** Drops pending retries (logged) and waits for the sends in flight. */
  close(): Promise<void>;
}

/**
 * The sink for a controller without Redis (the quick start): each channel of an event goes
 * through the same pipeline with the same retry policy as the BullMQ worker, on in-memory timers,
 * and an event already in flight is ignored as BullMQ ignores a known job id. Unlike the queue it
 * is not durable: retries still pending when the process stops are lost.
 */
export function createInProcessSink(options: InProcessSinkOptions): InProcessSink {
  const retry = resolveRetryPolicy(options.retry);
  const logger = options.logger.child({ component: 'notify-inprocess' });
  const timers = new Map<string, NodeJS.Timeout | undefined>();
  const inFlight = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];
  let closed = false;

  function start(id: string, event: IncidentEvent, channelIndex: number, attempt: number): void {
    timers.set(id, undefined);
    const run = attemptOnce(id, event, channelIndex, attempt).finally(() => inFlight.delete(run));
    inFlight.add(run);
  }

  async function attemptOnce(id: string, event: IncidentEvent, channelIndex: number, attempt: number) {
    let outcome: DeliveryOutcome | undefined;
    let thrown: unknown;
    try {
      outcome = await options.deliver({ event, channelIndex, attempt, maxAttempts: retry.attempts });
    } catch (err) {
      thrown = err;
      const level = attempt < retry.attempts ? 'warn' : 'error';
      logger[level]({ err, jobId: id, attempt }, 'notification could not run');
    }
    const again = outcome ? outcome.status === 'retry' : attempt < retry.attempts;
    if (again && !closed) {
      const delayMs = retryDelay(retry, attempt, outcome?.status === 'retry' ? outcome.error : thrown);
      timers.set(
        id,
        setTimeout(() => start(id, event, channelIndex, attempt + 1), delayMs),
      );
      return;
    }
    if (again) logger.warn({ jobId: id, attempt }, 'notification retry dropped: the controller is stopping');
    finish(id);
  }

  function finish(id: string): void {
    timers.delete(id);
    if (timers.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    async enqueue(events) {
      if (closed) throw new Error('the in-process notifier is closed');
      for (const { event, channelCount } of events)
        for (let channelIndex = 0; channelIndex < channelCount; channelIndex += 1) {
          const id = deliveryJobId(event.outboxId, channelIndex);
          if (!timers.has(id)) start(id, event, channelIndex, 1);
        }
    },
    idle() {
      if (timers.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      for (const [id, timer] of timers) {
        if (!timer) continue;
        clearTimeout(timer);
        logger.warn({ jobId: id }, 'notification retry dropped: the controller is stopping');
        finish(id);
      }
      await Promise.all(inFlight);
    },
  };
}
