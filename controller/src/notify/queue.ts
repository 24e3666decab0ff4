import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { PortwardenError } from '@portwarden/common/errors';
import { settleWithin } from '@portwarden/common/lifecycle';
import type { Logger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../state/event.js';
import type { OutboxSink } from '../outbox/sink.js';
import type { Deliver } from './deliver.js';
import { deliveryJobId } from './keys.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, retryDelay, type RetryPolicy } from './retry.js';

/**
 * The BullMQ transport: the relay's sink adds one job per channel of an event's alert group, and
 * notify workers (any number, on any replica) run each job through the delivery pipeline. Job ids
 * are derived from the outbox row and the channel index, so adding the same event again is a no-op.
 */

export const DEFAULT_QUEUE_NAME = 'notifications';
export const DEFAULT_PREFIX = 'portwarden';
/** Our backoff: exponential from the job's retry policy, at least the receiver's Retry-After. */
const BACKOFF_TYPE = 'portwarden';
const DAY_SECONDS = 86_400;
/** Bounds on closing, so that a controller stops within 10 s even with Redis unreachable. */
const WORKER_CLOSE_MS = 2_000;
const QUEUE_CLOSE_MS = 1_000;

/**
 * One job: an outbox event for one channel, with the retry policy it was enqueued under. Ids only:
 * the worker reads the event from the outbox and the channel from the event's policy revision, so
 * nothing in Redis holds an event's text or a channel's config.
 */
export interface NotifyJobData {
  outboxId: number;
  channelIndex: number;
  retry: RetryPolicy;
}

/** Where a worker reads the event of a job; store/outbox.ts. */
export interface OutboxEvents {
  event(outboxId: number): Promise<IncidentEvent | undefined>;
}

/** The queue cannot take jobs now (Redis down or slow); the relay keeps the rows and retries. */
export class QueueUnavailableError extends PortwardenError {
  constructor(message: string, options?: ErrorOptions) {
    super(
      'queue-unavailable',
      message,
      'check --redis-url and that Redis is up; events wait in the outbox meanwhile',
      options,
    );
  }
}

export interface QueueSinkOptions {
  /** redis://[user:password@]host:port[/db] */
  redisUrl: string;
  /** Prefix of every BullMQ key. @default 'portwarden' */
  prefix?: string;
  /** @default 'notifications' */
  queueName?: string;
  /** Attempts and delays, stored in each job. @default DEFAULT_RETRY_POLICY */
  retry?: Partial<RetryPolicy>;
  /** How long an enqueue waits for Redis before failing. @default 5000 */
  enqueueTimeoutMs?: number;
  /** For connection errors at debug level (the relay reports outages). @default none */
  logger?: Logger;
}

export interface QueueSink extends OutboxSink {
  /** The jobs as the reconciler sees them (followup/reconcile.ts). */
  jobs: DeliveryJobs;
  close(): Promise<void>;
}

/** One delivery job by what it is made from: its id is derived (`deliveryJobId`). */
export interface DeliveryJobRef {
  outboxId: number;
  channelIndex: number;
  /** The job's name, as the sink gives it. */
  event: IncidentEvent['event'];
}

/** Delivery jobs looked up and put back by their derived ids. */
export interface DeliveryJobs {
  /** BullMQ's state of the job (`waiting`, `delayed`, `failed`, ...), or `missing`. */
  state(job: DeliveryJobRef): Promise<string>;
  /** Adds the job under its derived id, from its first attempt; a no-op while one exists. */
  add(job: DeliveryJobRef): Promise<void>;
  /** Moves a failed job back to waiting, from its first attempt. */
  retry(job: DeliveryJobRef): Promise<void>;
}

export function createQueueSink(options: QueueSinkOptions): QueueSink {
  const retry = resolveRetryPolicy(options.retry);
  const timeoutMs = options.enqueueTimeoutMs ?? 5000;
  // Fail fast while Redis is away instead of queueing commands in memory: the outbox is the buffer.
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
  });
  const queue = new Queue<NotifyJobData>(options.queueName ?? DEFAULT_QUEUE_NAME, {
    connection: redis,
    prefix: options.prefix ?? DEFAULT_PREFIX,
  });
  const logger = options.logger?.child({ component: 'notify-queue' });
  queue.on('error', (err) => logger?.debug({ err }, 'notification queue connection error'));
  return {
    async enqueue(events) {
      await whenReady(redis, timeoutMs);
      const jobs = events.flatMap(({ event, channelCount }) =>
        Array.from({ length: channelCount }, (_, channelIndex) => ({
          name: event.event,
          data: { outboxId: event.outboxId, channelIndex, retry },
          opts: jobOptions(event.outboxId, channelIndex, retry),
        })),
      );
      // One MULTI for the whole pass: a relay pass costs one round trip to Redis, not one per event.
      if (jobs.length > 0) await withTimeout(queue.addBulk(jobs), timeoutMs);
    },
    jobs: {
      async state({ outboxId, channelIndex }) {
        await whenReady(redis, timeoutMs);
        const state = await withTimeout(queue.getJobState(deliveryJobId(outboxId, channelIndex)), timeoutMs);
        return state === 'unknown' ? 'missing' : state;
      },
      async add({ outboxId, channelIndex, event }) {
        await whenReady(redis, timeoutMs);
        const data = { outboxId, channelIndex, retry };
        await withTimeout(queue.add(event, data, jobOptions(outboxId, channelIndex, retry)), timeoutMs);
      },
      async retry({ outboxId, channelIndex }) {
        await whenReady(redis, timeoutMs);
        const job = await withTimeout(queue.getJob(deliveryJobId(outboxId, channelIndex)), timeoutMs);
        await withTimeout(
          job?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }) ?? Promise.resolve(),
          timeoutMs,
        );
      },
    },
    async close() {
      await settleWithin(queue.close(), QUEUE_CLOSE_MS);
      await closeRedis(redis);
    },
  };
}

/**
 * Completed jobs are kept a day, failed ones a week: while a job exists its id blocks a duplicate;
 * after that the notification log does.
 */
function jobOptions(outboxId: number, channelIndex: number, retry: RetryPolicy): JobsOptions {
  return {
    jobId: deliveryJobId(outboxId, channelIndex),
    attempts: retry.attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: DAY_SECONDS },
    removeOnFail: { age: 7 * DAY_SECONDS },
  };
}

export interface NotifyWorkerOptions {
  /** redis://[user:password@]host:port[/db] */
  redisUrl: string;
  /** Must match the sink's. @default 'portwarden' */
  prefix?: string;
  /** Must match the sink's. @default 'notifications' */
  queueName?: string;
  /** The pipeline, from `createDeliver`. */
  deliver: Deliver;
  /** Where the worker reads each job's event. */
  events: OutboxEvents;
  logger: Logger;
  /** Notifications this worker sends in parallel. @default 10 */
  concurrency?: number;
}

export interface NotifyWorker {
  /** Waits for the jobs in progress, then disconnects. */
  close(): Promise<void>;
}

export function createNotifyWorker(options: NotifyWorkerOptions): NotifyWorker {
  const logger = options.logger.child({ component: 'notify-worker' });
  // BullMQ workers block on Redis and need commands retried forever: maxRetriesPerRequest null.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<NotifyJobData>(
    options.queueName ?? DEFAULT_QUEUE_NAME,
    (job) => processJob(job, options, logger),
    {
      connection: redis,
      prefix: options.prefix ?? DEFAULT_PREFIX,
      concurrency: options.concurrency ?? 10,
      settings: {
        backoffStrategy: (attemptsMade, _type, err, job) =>
          retryDelay(
            (job?.data as NotifyJobData | undefined)?.retry ?? DEFAULT_RETRY_POLICY,
            attemptsMade,
            err,
          ),
      },
    },
  );
  let connected = true;
  worker.on('error', (err) => {
    if (connected) logger.warn({ err }, 'notify worker lost Redis; it reconnects by itself');
    connected = false;
  });
  redis.on('ready', () => {
    if (!connected) logger.info('notify worker reconnected to Redis');
    connected = true;
  });
  return {
    async close() {
      // Jobs in progress get a moment; BullMQ's close waits for a Redis that may never answer.
      if (!(await settleWithin(worker.close(), WORKER_CLOSE_MS)))
        logger.warn({ waitedMs: WORKER_CLOSE_MS }, 'notify worker did not close in time; disconnecting');
      await closeRedis(redis);
    },
  };
}

/**
 * One BullMQ attempt: `retry` throws the classified error (BullMQ schedules the next attempt with
 * our backoff); `failed` is already recorded and throws UnrecoverableError so that BullMQ keeps
 * the job as failed without retrying it.
 */
async function processJob(
  job: Job<NotifyJobData>,
  { deliver, events }: Pick<NotifyWorkerOptions, 'deliver' | 'events'>,
  logger: Logger,
): Promise<string> {
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  let outcome;
  try {
    const event = await events.event(job.data.outboxId);
    // Outbox rows are never deleted while their jobs live: a missing one is a corrupt job.
    if (!event) throw new UnrecoverableError(`outbox event ${job.data.outboxId} does not exist`);
    outcome = await deliver({
      event,
      channelIndex: job.data.channelIndex,
      attempt,
      maxAttempts,
    });
  } catch (err) {
    // The pipeline itself failed (the notification log is unreachable): retried like a send.
    const level = attempt < maxAttempts ? 'warn' : 'error';
    logger[level]({ err, jobId: job.id, attempt }, 'notification job could not run');
    throw err;
  }
  if (outcome.status === 'retry') throw outcome.error;
  if (outcome.status === 'failed') throw new UnrecoverableError(outcome.error.message);
  if (outcome.status === 'held') return outcome.hold;
  return outcome.status === 'sent' ? 'sent' : outcome.reason;
}

/** Resolves when the connection is ready; rejects at its next error or after `timeoutMs`. */
function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end' || redis.status === 'close') {
    return Promise.reject(new QueueUnavailableError('the notification queue is closed'));
  }
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => finish();
    const onError = (err: Error) =>
      finish(new QueueUnavailableError(`Redis is unreachable: ${err.message}`, { cause: err }));
    const timer = setTimeout(
      () => finish(new QueueUnavailableError(`Redis not ready within ${timeoutMs}ms (${redis.status})`)),
      timeoutMs,
    );
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueUnavailableError(`Redis did not answer within ${timeoutMs}ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}
