import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../state/event.js';
import { createOutboxEvents, createOutboxStore } from '../store/outbox.js';
import { createRelay, type Relay } from '../outbox/relay.js';
import type { OutboxSink } from '../outbox/sink.js';
import {
  createTestStore,
  insertOutboxEvent,
  pendingOutboxIds,
  type TestStore,
} from '../outbox/testing/fixtures.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../testing/db.js';
import { buildAlertmanagerMessage } from './alertmanager.js';
import { createChannelRoutes } from '../store/policy-revisions.js';
import { createDeliver } from './deliver.js';
import { deliveryJobId } from './keys.js';
import { createPgNotificationLog } from '../store/notification-log.js';
import {
  createNotifyWorker,
  createQueueSink,
  DEFAULT_QUEUE_NAME,
  type NotifyWorker,
  type QueueSink,
} from './queue.js';
import { observeDeliver, type ObservedOutcome } from './testing/observe.js';
import { createRecorder, type Recorder } from './testing/recorder.js';
import { startReceiver, type Receiver } from './testing/receiver.js';
import { deleteRedisPrefix } from './testing/redis.js';

/** End to end: outbox row -> relay -> BullMQ -> worker -> webhook receiver -> notification log. */

const externalUrl = 'http://portwarden.test';
const prefix = testRedisPrefix();
const retry = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 };
const logger = silentLogger();

let store: TestStore;
let receiver: Receiver;
let sink: QueueSink;
let worker: NotifyWorker;
let relay: Relay;
let inspectRedis: Redis;
let eventsRedis: Redis;
let inspect: Queue;
let queueEvents: QueueEvents;
let outcomes: Recorder<ObservedOutcome>;
/** Outbox ids the file's relays handed to the queue, in order. */
const relayed = createRecorder<number>();

function counting(target: OutboxSink): OutboxSink {
  return {
    async enqueue(events) {
      await target.enqueue(events);
      for (const { event } of events) relayed.push(event.outboxId);
    },
  };
}

function outcomesFor(outboxId: number): ObservedOutcome[] {
  return outcomes.items.filter((item) => item.request.event.outboxId === outboxId);
}

function untilFinal(outboxId: number) {
  return outcomes.until(
    () => outcomesFor(outboxId).some((item) => ['sent', 'failed'].includes(item.outcome.status)),
    `a final outcome for outbox ${outboxId}`,
  );
}

async function notificationRows(outboxId: number) {
  return store.sql`
    SELECT channel_key AS "channelKey", status, attempts, error FROM notifications WHERE outbox_id = ${outboxId}`;
}

function webhook(path: string, extra: Record<string, unknown> = {}) {
  return { webhook: { url: `${receiver.url}${path}`, ...extra } };
}

beforeAll(async () => {
  store = await createTestStore();
  receiver = await startReceiver();
  const routes = createChannelRoutes(store.sql);
  const deliver = createDeliver({ log: createPgNotificationLog(store.sql), routes, externalUrl, logger });
  const watched = observeDeliver(deliver);
  outcomes = watched.outcomes;
  sink = createQueueSink({ redisUrl: TEST_REDIS_URL, prefix, retry });
  worker = createNotifyWorker({
    redisUrl: TEST_REDIS_URL,
    prefix,
    deliver: watched.deliver,
    events: createOutboxEvents(store.sql),
    logger,
    concurrency: 4,
  });
  relay = createRelay({
    store: createOutboxStore(store.sql),
    sink: counting(sink),
    logger,
    pollIntervalMs: 50,
    batchSize: 2,
  });
  relay.start();
  inspectRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  inspect = new Queue(DEFAULT_QUEUE_NAME, { connection: inspectRedis, prefix });
  eventsRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queueEvents = new QueueEvents(DEFAULT_QUEUE_NAME, { connection: eventsRedis, prefix });
  await queueEvents.waitUntilReady();
});

afterAll(async () => {
  await relay?.stop();
  await worker?.close();
  await sink?.close();
  await queueEvents?.close();
  eventsRedis?.disconnect();
  await inspect?.close();
  await inspectRedis?.quit();
  await receiver?.close();
  await store?.close();
  await deleteRedisPrefix(prefix);
});

async function jobOf(event: IncidentEvent) {
  const job = await inspect.getJob(deliveryJobId(event.outboxId, 0));
  if (!job) throw new Error(`no job for outbox ${event.outboxId}`);
  return job;
}

describe('outbox to webhook through BullMQ', () => {
  it('delivers one POST with the Alertmanager payload and records it', async () => {
    const event = await insertOutboxEvent(store.sql, {
      channels: [webhook('/one', { headers: { 'X-Token': 't0k3n' } })],
      agentLabels: { env: 'prod' },
    });
    relay.wake();
    await untilFinal(event.outboxId);

    const posts = receiver.on('/one');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['x-token']).toBe('t0k3n');
    expect(JSON.parse(posts[0]!.body)).toEqual(buildAlertmanagerMessage(event, externalUrl));
    expect(await notificationRows(event.outboxId)).toEqual([
      { channelKey: 'critical#0:webhook', status: 'sent', attempts: 1, error: null },
    ]);
    expect(await pendingOutboxIds(store.sql)).not.toContain(event.outboxId);
  });

  it('keeps ids only in Redis: no event text, no channel config, no header value', async () => {
    const event = await insertOutboxEvent(store.sql, {
      channels: [webhook('/ids', { headers: { Authorization: 'Bearer planted-c0ffee' } })],
    });
    relay.wake();
    await untilFinal(event.outboxId);
    expect(receiver.on('/ids')[0]!.headers.authorization).toBe('Bearer planted-c0ffee');
    const job = await jobOf(event);
    expect(Object.keys(job.data).sort()).toEqual(['channelIndex', 'outboxId', 'retry']);
    // Everything the queue wrote under its prefix, read back raw.
    const keys = await inspectRedis.keys(`${prefix}:*`);
    const dump: string[] = [];
    for (const key of keys) {
      const type = await inspectRedis.type(key);
      dump.push(key);
      if (type === 'hash') dump.push(JSON.stringify(await inspectRedis.hgetall(key)));
      else if (type === 'string') dump.push((await inspectRedis.get(key)) ?? '');
      else if (type === 'list') dump.push(JSON.stringify(await inspectRedis.lrange(key, 0, -1)));
      else if (type === 'stream') dump.push(JSON.stringify(await inspectRedis.xrange(key, '-', '+')));
    }
    const text = dump.join('\n');
    expect(text).toContain(deliveryJobId(event.outboxId, 0)); // the dump did read this job
    for (const leak of ['planted-c0ffee', '/ids', event.agent.name]) expect(text).not.toContain(leak);
  });

  it('sends once per event although a second relay runs and the events are added again', async () => {
    const events: IncidentEvent[] = [];
    for (let i = 0; i < 10; i += 1)
      events.push(await insertOutboxEvent(store.sql, { channels: [webhook('/many')] }));
    const ids = events.map((event) => event.outboxId);
    const replica = createQueueSink({
      redisUrl: TEST_REDIS_URL,
      prefix,
      retry,
    });
    const second = createRelay({
      store: createOutboxStore(store.sql),
      sink: counting(replica),
      logger,
      pollIntervalMs: 50,
      batchSize: 2,
    });
    second.start();
    relay.wake();
    await outcomes.until(
      () => ids.every((id) => outcomesFor(id).some((item) => item.outcome.status === 'sent')),
      'all ten sent',
    );
    await second.stop();
    await replica.close();

    // A replica re-adding the same events (a relay crash before its commit) adds nothing.
    for (const event of events) await sink.enqueue([{ event, channelCount: 1 }]);
    const sentinel = await insertOutboxEvent(store.sql, { channels: [webhook('/many')] });
    relay.wake();
    await untilFinal(sentinel.outboxId);
    await (await jobOf(sentinel)).waitUntilFinished(queueEvents);

    expect(relayed.items.filter((id) => ids.includes(id)).sort((a, b) => a - b)).toEqual(ids);
    expect(receiver.on('/many')).toHaveLength(11);
    expect(ids.map((id) => outcomesFor(id).map((item) => item.outcome.status))).toEqual(
      ids.map(() => ['sent']),
    );
    expect(await inspect.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
    });
  });

  it('retries a receiver answering 500 twice, then records one sent row with attempts 3', async () => {
    receiver.script('/flaky', [
      { status: 500, body: 'boom' },
      { status: 500, body: 'boom' },
    ]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/flaky')] });
    relay.wake();
    await untilFinal(event.outboxId);
    const job = await jobOf(event);
    await job.waitUntilFinished(queueEvents);

    expect(receiver.on('/flaky')).toHaveLength(3);
    expect(outcomesFor(event.outboxId).map((item) => item.outcome.status)).toEqual([
      'retry',
      'retry',
      'sent',
    ]);
    expect(await notificationRows(event.outboxId)).toEqual([
      { channelKey: 'critical#0:webhook', status: 'sent', attempts: 3, error: null },
    ]);
    expect((await jobOf(event)).attemptsMade).toBe(3);
  });

  it('stops at a 400 after one attempt and records the status and the body start', async () => {
    receiver.script('/bad', [{ status: 400, body: '{"error":"invalid payload","hint":"check the JSON"}' }]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/bad')] });
    relay.wake();
    await untilFinal(event.outboxId);
    const failure = await (await jobOf(event)).waitUntilFinished(queueEvents).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(Error);
    expect(await (await jobOf(event)).getState()).toBe('failed');
    expect(receiver.on('/bad')).toHaveLength(1);
    const [row] = await notificationRows(event.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.error).toContain('400');
    expect(row!.error).toContain('{"error":"invalid payload","hint":"check the JSON"}');
  });
});
