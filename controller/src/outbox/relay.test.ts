import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { deliveryJobId } from '../notify/keys.js';
import { createQueueSink, DEFAULT_QUEUE_NAME, QueueUnavailableError } from '../notify/queue.js';
import { captureLogger } from '../notify/testing/observe.js';
import { createRecorder } from '../notify/testing/recorder.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../testing/db.js';
import { closedPort } from '../testing/redis-server.js';
import type { IncidentEvent } from '../state/event.js';
import { createOutboxStore } from '../store/outbox.js';
import { createRelay, type RelayOptions } from './relay.js';
import type { OutboxSink } from './sink.js';
import { createTestStore, insertOutboxEvent, pendingOutboxIds, type TestStore } from './testing/fixtures.js';

const prefix = testRedisPrefix();
let store: TestStore;

beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
  await deleteRedisPrefix(prefix);
});
beforeEach(async () => {
  // Each test starts with an empty outbox so that relays only see its own rows.
  await store.sql`UPDATE outbox SET relayed_at = now() WHERE relayed_at IS NULL`;
});

/** A sink that records which relay handed on which event, in which call; it yields first so that other relays interleave. */
function recordingSink(
  name: string,
  handed = createRecorder<{ relay: string; outboxId: number; channels: number; call: number }>(),
) {
  let calls = 0;
  const sink: OutboxSink = {
    async enqueue(events) {
      const call = ++calls;
      await new Promise((resolve) => setImmediate(resolve));
      for (const { event, channelCount: channels } of events)
        handed.push({ relay: name, outboxId: event.outboxId, channels, call });
    },
  };
  return { sink, handed };
}

/** A relay on the test store that passes only when woken or started (its poll is a minute away). */
const quietRelay = (sink: OutboxSink, options: Partial<RelayOptions> = {}) =>
  createRelay({
    store: createOutboxStore(store.sql),
    sink,
    logger: silentLogger(),
    pollIntervalMs: 60_000,
    ...options,
  });

describe('relay', () => {
  it('hands every row on exactly once, in id order, with two relays competing', async () => {
    const events: IncidentEvent[] = [];
    for (let i = 0; i < 30; i += 1)
      events.push(await insertOutboxEvent(store.sql, { channels: [{ log: {} }] }));
    const ids = events.map((event) => event.outboxId);
    const a = recordingSink('a');
    const b = recordingSink('b', a.handed);
    const options = {
      store: createOutboxStore(store.sql),
      logger: silentLogger(),
      pollIntervalMs: 20,
      batchSize: 3,
    };
    const relays = [createRelay({ ...options, sink: a.sink }), createRelay({ ...options, sink: b.sink })];
    relays.forEach((relay) => relay.start());
    await a.handed.until((items) => items.length >= ids.length, 'thirty rows handed on');
    await Promise.all(relays.map((relay) => relay.stop()));

    const handed = a.handed.items;
    expect(handed.map((item) => item.outboxId).sort((x, y) => x - y)).toEqual(ids);
    for (const name of ['a', 'b']) {
      const mine = handed.filter((item) => item.relay === name).map((item) => item.outboxId);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(await pendingOutboxIds(store.sql)).toEqual([]);
  });

  it('hands a pass on in one call, up to the batch size, in id order', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i += 1)
      ids.push((await insertOutboxEvent(store.sql, { channels: [{ log: {} }] })).outboxId);
    const { sink, handed } = recordingSink('a');
    const relay = quietRelay(sink, { batchSize: 5 });
    relay.start();
    await handed.until((items) => items.length === 7, 'seven rows handed on');
    await relay.stop();
    expect(handed.items.map((item) => [item.call, item.outboxId])).toEqual(
      ids.map((id, i) => [i < 5 ? 1 : 2, id]),
    );
  });

  it('runs a pass on wake() instead of waiting for the next poll', async () => {
    const { sink, handed } = recordingSink('a');
    const relay = quietRelay(sink);
    relay.start();
    const event = await insertOutboxEvent(store.sql, { channels: [{ log: {} }] });
    relay.wake();
    await handed.until((items) => items.some((item) => item.outboxId === event.outboxId), 'the woken pass');
    await relay.stop();
    expect(await pendingOutboxIds(store.sql)).toEqual([]);
  });

  it("hands each event on with the channel count of its group in the event's policy revision", async () => {
    const { sink, handed } = recordingSink('a');
    const relay = createRelay({ store: createOutboxStore(store.sql), sink, logger: silentLogger() });
    const two = await insertOutboxEvent(store.sql, { channels: [{ log: {} }, { log: {} }] });
    const none = await insertOutboxEvent(store.sql, { channels: [] });
    relay.start();
    await handed.until((items) => items.some((item) => item.outboxId === none.outboxId), 'both events');
    await relay.stop();
    const counts = Object.fromEntries(handed.items.map((item) => [item.outboxId, item.channels]));
    expect(counts).toEqual({ [two.outboxId]: 2, [none.outboxId]: 0 });
  });

  it('keeps rows pending while Redis is down, warns once, and sends them when Redis is back', async () => {
    const events = [
      await insertOutboxEvent(store.sql, { channels: [{ log: {} }] }),
      await insertOutboxEvent(store.sql, { channels: [{ log: {} }, { log: {} }] }),
    ];
    const down = createQueueSink({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, prefix });
    const up = createQueueSink({ redisUrl: TEST_REDIS_URL, prefix });
    const failures = createRecorder<unknown>();
    const delivered = createRecorder<number>();
    let target = down;
    const sink: OutboxSink = {
      async enqueue(events) {
        await target.enqueue(events).catch((err: unknown) => {
          failures.push(err);
          throw err;
        });
        for (const { event } of events) delivered.push(event.outboxId);
      },
    };
    const { logger, lines } = captureLogger();
    const relay = createRelay({
      store: createOutboxStore(store.sql),
      sink,
      logger,
      pollIntervalMs: 10,
      maxBackoffMs: 40,
    });
    relay.start();
    await failures.until((items) => items.length >= 4, 'four failed passes');

    expect(failures.items[0]).toBeInstanceOf(QueueUnavailableError);
    expect(await pendingOutboxIds(store.sql)).toEqual(events.map((event) => event.outboxId));
    const warnings = lines.items.filter((line) => line.level === 40 && line.component === 'relay');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/stay pending/);

    target = up;
    await delivered.until((items) => items.length === events.length, 'both events enqueued');
    await lines.until((items) => items.some((line) => line.msg === 'relay recovered'), 'the recovery line');
    await relay.stop();
    await Promise.all([down.close(), up.close()]);

    expect(await pendingOutboxIds(store.sql)).toEqual([]);
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: redis, prefix });
    const jobIds = [
      deliveryJobId(events[0]!.outboxId, 0),
      deliveryJobId(events[1]!.outboxId, 0),
      deliveryJobId(events[1]!.outboxId, 1),
    ];
    const jobs = await Promise.all(jobIds.map((id) => queue.getJob(id)));
    await queue.close();
    await redis.quit();
    expect(jobs.map((job) => job?.data.channelIndex)).toEqual([0, 0, 1]);
  });
});
