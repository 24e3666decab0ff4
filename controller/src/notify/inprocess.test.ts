import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createOutboxStore } from '../store/outbox.js';
import { createChannelRoutes } from '../store/policy-revisions.js';
import { createRelay } from '../outbox/relay.js';
import { createTestStore, insertOutboxEvent, type TestStore } from '../outbox/testing/fixtures.js';
import { buildAlertmanagerMessage } from './alertmanager.js';
import { createDeliver, type Deliver } from './deliver.js';
import { createInProcessSink, type InProcessSink } from './inprocess.js';
import { createPgNotificationLog } from '../store/notification-log.js';
import { captureLogger, observeDeliver, type LogLine, type ObservedOutcome } from './testing/observe.js';
import type { Recorder } from './testing/recorder.js';
import { startReceiver, type Receiver } from './testing/receiver.js';

/** Without Redis: relay -> in-process sink -> the same pipeline and retry policy -> receiver. */

const externalUrl = 'http://portwarden.test';
const retry = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

let store: TestStore;
let receiver: Receiver;
let deliver: Deliver;
let outcomes: Recorder<ObservedOutcome>;
let lines: Recorder<LogLine>;
let sink: InProcessSink;

beforeAll(async () => {
  store = await createTestStore();
  receiver = await startReceiver();
  const captured = captureLogger('info');
  lines = captured.lines;
  const watched = observeDeliver(
    createDeliver({
      log: createPgNotificationLog(store.sql),
      routes: createChannelRoutes(store.sql),
      externalUrl,
      logger: captured.logger,
    }),
  );
  deliver = watched.deliver;
  outcomes = watched.outcomes;
  sink = createInProcessSink({
    deliver,
    logger: silentLogger(),
    retry,
  });
});

afterAll(async () => {
  await sink?.close();
  await receiver?.close();
  await store?.close();
});

function statuses(outboxId: number): string[] {
  return outcomes.items
    .filter((item) => item.request.event.outboxId === outboxId)
    .map((item) => item.outcome.status);
}

function untilStatuses(outboxId: number, count: number) {
  return outcomes.until(() => statuses(outboxId).length >= count, `${count} outcomes for outbox ${outboxId}`);
}

async function rows(outboxId: number) {
  return store.sql`
    SELECT channel_key AS "channelKey", status, attempts, error
    FROM notifications WHERE outbox_id = ${outboxId} ORDER BY channel_key`;
}

const webhook = (path: string) => ({ webhook: { url: `${receiver.url}${path}` } });

describe('in-process sink', () => {
  it('delivers each channel of an event: one POST and one log line', async () => {
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/one'), { log: {} }] });
    // Only this test runs a relay; the others enqueue directly so that no relay races them.
    const relay = createRelay({
      store: createOutboxStore(store.sql),
      sink,
      logger: silentLogger(),
      pollIntervalMs: 50,
    });
    relay.start();
    await untilStatuses(event.outboxId, 2);
    await relay.stop();

    expect(receiver.on('/one').map((request) => JSON.parse(request.body))).toEqual([
      buildAlertmanagerMessage(event, externalUrl),
    ]);
    const logged = lines.items.filter((line) => line.msg.startsWith('FIRING: Web HTTPS'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.notification).toMatchObject({ channel: 'critical#1:log', outboxId: event.outboxId });
    expect(await rows(event.outboxId)).toEqual([
      { channelKey: 'critical#0:webhook', status: 'sent', attempts: 1, error: null },
      { channelKey: 'critical#1:log', status: 'sent', attempts: 1, error: null },
    ]);
  });

  it('ignores an event already in flight and skips one already sent', async () => {
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/twice')] });
    await Promise.all([
      sink.enqueue([{ event, channelCount: 1 }]),
      sink.enqueue([{ event, channelCount: 1 }]),
    ]);
    await sink.idle();
    await sink.enqueue([{ event, channelCount: 1 }]);
    await sink.idle();

    expect(receiver.on('/twice')).toHaveLength(1);
    expect(statuses(event.outboxId)).toEqual(['sent', 'skipped']);
  });

  it('retries a 500 with the retry policy and records the attempts', async () => {
    receiver.script('/flaky', [{ status: 500 }]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/flaky')] });
    await sink.enqueue([{ event, channelCount: 1 }]);
    await sink.idle();

    expect(receiver.on('/flaky')).toHaveLength(2);
    expect(statuses(event.outboxId)).toEqual(['retry', 'sent']);
    expect(await rows(event.outboxId)).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('gives up after the last attempt and records why', async () => {
    receiver.script('/down', [{ status: 503 }, { status: 503 }, { status: 503 }]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/down')] });
    await sink.enqueue([{ event, channelCount: 1 }]);
    await sink.idle();

    expect(receiver.on('/down')).toHaveLength(3);
    const [row] = await rows(event.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row!.error).toMatch(/answered 503.*gave up after 3 attempts/);
  });

  it('does not retry a 400', async () => {
    receiver.script('/bad', [{ status: 400, body: 'missing field alerts' }]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/bad')] });
    await sink.enqueue([{ event, channelCount: 1 }]);
    await sink.idle();

    expect(receiver.on('/bad')).toHaveLength(1);
    const [row] = await rows(event.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.error).toContain('400: missing field alerts');
  });

  it('drops pending retries on close; the log shows the delivery retrying', async () => {
    const slow = createInProcessSink({
      deliver,
      logger: silentLogger(),
      retry: { baseDelayMs: 60_000 },
    });
    receiver.script('/later', [{ status: 502 }]);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook('/later')] });
    await slow.enqueue([{ event, channelCount: 1 }]);
    await untilStatuses(event.outboxId, 1);
    await slow.close();
    await slow.idle();

    expect(statuses(event.outboxId)).toEqual(['retry']);
    expect(await rows(event.outboxId)).toEqual([
      {
        channelKey: 'critical#0:webhook',
        status: 'retrying',
        attempts: 1,
        error: expect.stringMatching(/answered 502$/),
      },
    ]);
    await expect(slow.enqueue([{ event, channelCount: 1 }])).rejects.toThrow(/closed/);
  });
});
