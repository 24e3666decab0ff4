import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createTestStore, insertOutboxEvent, type TestStore } from '../outbox/testing/fixtures.js';
import { deliveryJobId } from '../notify/keys.js';
import { createQueueSink, DEFAULT_QUEUE_NAME, type QueueSink } from '../notify/queue.js';
import { captureLogger, type LogLine } from '../notify/testing/observe.js';
import type { Recorder } from '../notify/testing/recorder.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { createPgNotificationLog, createUndeliveredPairs } from '../store/notification-log.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../testing/db.js';
import { decideRequeue, reconcileSweep, type ReconcileWindow } from './reconcile.js';

const window: ReconcileWindow = { graceMs: 30_000, maxAgeMs: 7 * 86_400_000 };
const now = new Date('2026-12-07T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('decideRequeue', () => {
  it.each<[string, Date, string, 'add' | 'retry' | undefined]>([
    // why: Redis lost the job (restarted without persistence): add it again under its id.
    ['job missing', ago(60_000), 'missing', 'add'],
    // why: waiting between retries is how a job normally spends its time: never double it.
    ['job delayed', ago(60_000), 'delayed', undefined],
    ['job waiting', ago(60_000), 'waiting', undefined],
    ['job active', ago(60_000), 'active', undefined],
    ['job prioritized', ago(60_000), 'prioritized', undefined],
    // why: BullMQ gave up without a final row (the pipeline itself failed): run it again.
    ['job failed', ago(60_000), 'failed', 'retry'],
    // why: a completed job recorded its outcome; nothing to redo.
    ['job completed', ago(60_000), 'completed', undefined],
    // why: a state this code does not know: a delay beats a double page.
    ['state unknown here', ago(60_000), 'waiting-for-godot', undefined],
    // why: within the grace the relay may not have committed the add yet.
    ['relayed just now, job missing', ago(5_000), 'missing', undefined],
    // why: exactly at the grace is old enough.
    ['relayed exactly the grace ago', ago(30_000), 'missing', 'add'],
    // why: older than failed jobs are kept: the event is history, not a page to send now.
    ['relayed 8 days ago', ago(8 * 86_400_000), 'missing', undefined],
  ])('%s', (_name, relayedAt, state, expected) => {
    expect(decideRequeue(relayedAt, state, now, window)).toBe(expected);
  });
});

/** The sweep on real PostgreSQL and a real BullMQ queue (own prefix): what it adds, and what not. */
describe('reconcileSweep', () => {
  const prefix = testRedisPrefix();
  let store: TestStore;
  let sink: QueueSink;
  let inspectRedis: Redis;
  let inspect: Queue;
  let lines: Recorder<LogLine>;
  let sweep: ReturnType<typeof reconcileSweep>;

  beforeAll(async () => {
    store = await createTestStore();
    sink = createQueueSink({ redisUrl: TEST_REDIS_URL, prefix, logger: silentLogger() });
    inspectRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    inspect = new Queue(DEFAULT_QUEUE_NAME, { connection: inspectRedis, prefix });
    const captured = captureLogger('info');
    lines = captured.lines;
    sweep = reconcileSweep({
      pairs: createUndeliveredPairs(store.sql),
      jobs: () => sink.jobs,
      logger: captured.logger,
    });
  });

  afterAll(async () => {
    await inspect?.close();
    await inspectRedis?.quit();
    await sink?.close();
    await deleteRedisPrefix(prefix);
    await store?.close();
  });

  async function relayedAMinuteAgo(channels: number) {
    const event = await insertOutboxEvent(store.sql, {
      channels: Array.from({ length: channels }, () => ({ log: {} })),
    });
    await store.sql`UPDATE outbox SET relayed_at = now() - interval '1 minute' WHERE id = ${event.outboxId}`;
    return event;
  }

  it('adds the missing job of a channel with no final row, once, and leaves the others', async () => {
    const event = await relayedAMinuteAgo(3);
    // Channel 0 was sent; channel 1's job still waits in the queue; channel 2's job is gone.
    await createPgNotificationLog(store.sql).record({
      outboxId: event.outboxId,
      channelKey: 'critical#0:log',
      status: 'sent',
      attempts: 1,
    });
    await inspect.add(
      'opened',
      { outboxId: event.outboxId, channelIndex: 1 },
      { jobId: deliveryJobId(event.outboxId, 1), delay: 3_600_000 },
    );

    expect(await sweep.run(new Date())).toBe(0);
    expect(await inspect.getJob(deliveryJobId(event.outboxId, 0))).toBeUndefined();
    expect(await (await inspect.getJob(deliveryJobId(event.outboxId, 1)))?.getState()).toBe('delayed');
    const added = await inspect.getJob(deliveryJobId(event.outboxId, 2));
    expect(added?.data).toMatchObject({ outboxId: event.outboxId, channelIndex: 2 });
    expect(await added?.getState()).toBe('waiting');
    const logged = lines.items.filter((line) => line.outboxId === event.outboxId);
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'notification job re-enqueued: it was gone from the queue',
        channel: 'critical#2:log',
        action: 'add',
      }),
    ]);

    // The next pass finds the job it added: nothing doubled, nothing logged.
    await sweep.run(new Date());
    expect(await inspect.getJobCountByTypes('waiting', 'delayed')).toBe(2);
    expect(lines.items.filter((line) => line.outboxId === event.outboxId)).toHaveLength(1);
    await inspect.drain(true); // the next test takes its job as a worker would: an empty queue
  });

  it('runs a failed job again from its first attempt', async () => {
    const event = await relayedAMinuteAgo(1);
    const id = deliveryJobId(event.outboxId, 0);
    await inspect.add('opened', { outboxId: event.outboxId, channelIndex: 0 }, { jobId: id });
    const job = (await inspect.getJob(id))!;
    // A failed job as a worker leaves it (moveToFailed needs the lock a worker holds: fetch it as one).
    const token = 'test-token';
    const workerRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker(DEFAULT_QUEUE_NAME, null, { connection: workerRedis, prefix });
    try {
      const taken = await worker.getNextJob(token);
      expect(taken?.id).toBe(id);
      await taken!.moveToFailed(new Error('the notification log was unreachable'), token, false);
    } finally {
      await worker.close();
      await workerRedis.quit();
    }
    expect(await job.getState()).toBe('failed');
    expect((await inspect.getJob(id))?.attemptsMade).toBe(1);

    await sweep.run(new Date());
    const again = await inspect.getJob(id);
    expect(await again?.getState()).toBe('waiting');
    expect(again?.attemptsMade).toBe(0);
    expect(lines.items.some((line) => line.outboxId === event.outboxId && line.action === 'retry')).toBe(
      true,
    );
  });

  it('does nothing in-process (no queue)', async () => {
    const event = await relayedAMinuteAgo(1);
    const inProcess = reconcileSweep({
      pairs: createUndeliveredPairs(store.sql),
      jobs: () => undefined,
      logger: silentLogger(),
    });
    expect(await inProcess.run(new Date())).toBe(0);
    expect(await inspect.getJob(deliveryJobId(event.outboxId, 0))).toBeUndefined();
  });
});
