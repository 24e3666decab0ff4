import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, insertOutboxEvent, type TestStore } from '../outbox/testing/fixtures.js';
import { channelKey } from '../notify/keys.js';
import { NOTIFICATION_STATUSES, type NotificationLog, type NotificationRecord } from '../notify/nflog.js';
import { createDeliveryViews, createPgNotificationLog, createUndeliveredPairs } from './notification-log.js';

let store: TestStore;
let log: NotificationLog;

beforeAll(async () => {
  store = await createTestStore();
  log = createPgNotificationLog(store.sql);
});

afterAll(async () => {
  await store?.close();
});

const webhook = { webhook: { url: 'http://127.0.0.1:9/hook' } };
const logChannel = { log: {} };

async function row(outboxId: number, key: string) {
  const [found] = await store.sql<
    { status: string; attempts: number; error: string | null; changed: boolean }[]
  >`
    SELECT status, attempts, error, updated_at > created_at AS changed
    FROM notifications WHERE outbox_id = ${outboxId} AND channel_key = ${key}`;
  return found;
}

describe('createPgNotificationLog', () => {
  type Write = Omit<NotificationRecord, 'outboxId' | 'channelKey'>;
  const retrying = (attempts: number, error = 'POST http://r answered 500'): Write => ({
    status: 'retrying',
    attempts,
    error,
  });

  it.each<[string, Write[], boolean[], { status: string; attempts: number; error: string | null }]>([
    // why: the first write of a delivery is an insert.
    ['sent at once', [{ status: 'sent', attempts: 1 }], [true], { status: 'sent', attempts: 1, error: null }],
    // why: each failed attempt shows the attempts so far and the last error.
    [
      'retrying twice',
      [retrying(1, 'first'), retrying(2, 'second')],
      [true, true],
      { status: 'retrying', attempts: 2, error: 'second' },
    ],
    // why: the final outcome replaces `retrying` and clears its error.
    [
      'retrying then sent',
      [retrying(1), { status: 'sent', attempts: 2 }],
      [true, true],
      { status: 'sent', attempts: 2, error: null },
    ],
    // why: a re-enqueued job counts from 1 again; the row keeps counting (1 before + 1 now).
    [
      'retrying, then sent by a reconciled job',
      [retrying(1), { status: 'sent', attempts: 1 }],
      [true, true],
      { status: 'sent', attempts: 2, error: null },
    ],
    // why: a hold made no attempt: it keeps the count of those that were made.
    [
      'retrying then held by a silence',
      [retrying(2), { status: 'held', attempts: 0, error: 'silence 4' }],
      [true, true],
      { status: 'held', attempts: 2, error: 'silence 4' },
    ],
    // why: a final row is the dedup record: a late retrying write never reopens it.
    [
      'sent, then a late retrying',
      [{ status: 'sent', attempts: 1 }, retrying(1)],
      [true, false],
      { status: 'sent', attempts: 1, error: null },
    ],
    // why: nor does another final write replace it (the first one wins, as before).
    [
      'failed, then sent',
      [
        { status: 'failed', attempts: 3, error: 'gave up' },
        { status: 'sent', attempts: 1 },
      ],
      [true, false],
      { status: 'failed', attempts: 3, error: 'gave up' },
    ],
  ])('%s', async (_name, writes, results, expected) => {
    const { outboxId } = await insertOutboxEvent(store.sql, { channels: [webhook] });
    const key = 'critical#0:webhook';
    const returned: boolean[] = [];
    for (const write of writes) returned.push(await log.record({ outboxId, channelKey: key, ...write }));
    expect(returned).toEqual(results);
    expect(await row(outboxId, key)).toMatchObject(expected);
    expect(await log.find(outboxId, key)).toMatchObject({ status: expected.status });
  });

  // why: the table's CHECK (migration 0007) and nflog.ts name the same statuses.
  it.each(NOTIFICATION_STATUSES)('stores status %s', async (status) => {
    const { outboxId } = await insertOutboxEvent(store.sql, { channels: [webhook] });
    await log.record({ outboxId, channelKey: 'critical#0:webhook', status, attempts: 1 });
    expect(await log.find(outboxId, 'critical#0:webhook')).toMatchObject({ status });
  });

  it('moves updated_at when a retrying row changes and keeps created_at', async () => {
    const { outboxId } = await insertOutboxEvent(store.sql, { channels: [webhook] });
    const key = 'critical#0:webhook';
    await log.record({ outboxId, channelKey: key, status: 'retrying', attempts: 1, error: 'x' });
    // Written a minute ago, so that "later" needs no wait.
    await store.sql`
      UPDATE notifications SET created_at = now() - interval '1 minute', updated_at = now() - interval '1 minute'
      WHERE outbox_id = ${outboxId}`;
    await log.record({ outboxId, channelKey: key, status: 'sent', attempts: 2 });
    expect(await row(outboxId, key)).toMatchObject({ status: 'sent', changed: true });
  });
});

describe('createDeliveryViews', () => {
  it('lists each delivery with its event, channel and status, and channels with no row as pending', async () => {
    const views = createDeliveryViews(store.sql);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook, logChannel] });
    await log.record({
      outboxId: event.outboxId,
      channelKey: 'critical#0:webhook',
      status: 'failed',
      attempts: 3,
      error: 'POST http://127.0.0.1:9 answered 503 (gave up after 3 attempts)',
    });
    const rows = await views.list({ incident: event.incidentId }, 100);
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: expect.any(Number),
          incidentId: event.incidentId,
          outboxId: event.outboxId,
          event: 'opened',
          notice: null,
          alertGroup: 'critical',
          channelKey: 'critical#0:webhook',
          channelKind: 'webhook',
          status: 'failed',
          attempts: 3,
          error: expect.stringContaining('answered 503'),
          createdAt: expect.any(Date),
          updatedAt: expect.any(Date),
        }),
        expect.objectContaining({
          id: null,
          outboxId: event.outboxId,
          channelKey: 'critical#1:log',
          channelKind: 'log',
          status: 'pending',
          attempts: 0,
          error: null,
          createdAt: null,
        }),
      ]),
    );
  });

  it('spells a pending channel key as notify/keys.ts does', async () => {
    const event = await insertOutboxEvent(store.sql, { channels: [logChannel, logChannel, webhook] });
    const rows = await createDeliveryViews(store.sql).list({ incident: event.incidentId }, 100);
    expect(rows.map((r) => r.channelKey).sort()).toEqual(
      [
        channelKey('critical', 0, 'log'),
        channelKey('critical', 1, 'log'),
        channelKey('critical', 2, 'webhook'),
      ].sort(),
    );
  });

  it('filters by status, newest change first, within the limit', async () => {
    const views = createDeliveryViews(store.sql);
    const older = await insertOutboxEvent(store.sql, { channels: [webhook] });
    const newer = await insertOutboxEvent(store.sql, { channels: [webhook] });
    const key = 'critical#0:webhook';
    await log.record({
      outboxId: older.outboxId,
      channelKey: key,
      status: 'retrying',
      attempts: 1,
      error: 'a',
    });
    await store.sql`UPDATE notifications SET updated_at = now() - interval '1 minute' WHERE outbox_id = ${older.outboxId}`;
    await log.record({
      outboxId: newer.outboxId,
      channelKey: key,
      status: 'retrying',
      attempts: 1,
      error: 'b',
    });
    const rows = await views.list({ status: 'retrying' }, 100);
    expect(rows.every((r) => r.status === 'retrying')).toBe(true);
    const ours = rows.filter((r) => [older.outboxId, newer.outboxId].includes(r.outboxId));
    expect(ours.map((r) => r.outboxId)).toEqual([newer.outboxId, older.outboxId]);
    expect(await views.list({ status: 'retrying' }, 1)).toHaveLength(1);
    const pending = await views.list({ status: 'pending', incident: older.incidentId }, 100);
    expect(pending).toEqual([]);
  });
});

describe('createUndeliveredPairs', () => {
  it('lists channels of events relayed in the window with no final row, not those with one', async () => {
    const pairs = createUndeliveredPairs(store.sql);
    const event = await insertOutboxEvent(store.sql, { channels: [webhook, logChannel, logChannel] });
    await store.sql`UPDATE outbox SET relayed_at = now() - interval '1 minute' WHERE id = ${event.outboxId}`;
    await log.record({
      outboxId: event.outboxId,
      channelKey: 'critical#0:webhook',
      status: 'retrying',
      attempts: 1,
    });
    await log.record({ outboxId: event.outboxId, channelKey: 'critical#1:log', status: 'sent', attempts: 1 });
    const now = Date.now();
    const inWindow = await pairs.list(new Date(now - 3_600_000), new Date(now - 30_000), 1000);
    expect(inWindow.filter((p) => p.outboxId === event.outboxId)).toEqual([
      expect.objectContaining({
        outboxId: event.outboxId,
        event: 'opened',
        channelIndex: 0,
        channelKey: 'critical#0:webhook',
      }),
      expect.objectContaining({
        outboxId: event.outboxId,
        event: 'opened',
        channelIndex: 2,
        channelKey: 'critical#2:log',
      }),
    ]);
    // why: relayed a minute ago is within a 2-minute grace: its job may be on its way.
    const tooNew = await pairs.list(new Date(now - 3_600_000), new Date(now - 120_000), 1000);
    expect(tooNew.some((p) => p.outboxId === event.outboxId)).toBe(false);
  });

  it('leaves out events not relayed yet', async () => {
    const event = await insertOutboxEvent(store.sql, { channels: [webhook] });
    const now = Date.now();
    const found = await createUndeliveredPairs(store.sql).list(
      new Date(now - 3_600_000),
      new Date(now + 60_000),
      1000,
    );
    expect(found.some((p) => p.outboxId === event.outboxId)).toBe(false);
  });
});
