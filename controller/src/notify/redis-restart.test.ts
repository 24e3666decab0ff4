import { Queue } from 'bullmq';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import type { Controller } from '../controller.js';
import type { IncidentEvent } from '../state/event.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../testing/db.js';
import { startRedisServer, type TestRedisServer } from '../testing/redis-server.js';
import { DEFAULT_QUEUE_NAME } from './queue.js';
import { deliveryJobId } from './keys.js';
import { captureLogger, type LogLine } from './testing/observe.js';
import type { Recorder } from './testing/recorder.js';
import { startReceiver, type Receiver } from './testing/receiver.js';

/**
 * The acceptance test of the reconciler (issue 11, "Nothing lost"): a Redis without persistence
 * restarts while a notification job waits between retries; the job is gone with it, and the
 * notification is still delivered, once.
 */

const RECONCILED = 'notification job re-enqueued: it was gone from the queue';

let db: TestDatabase;
let sql: postgres.Sql;
let redis: TestRedisServer;
let receiver: Receiver;
let controller: Controller;
let lines: Recorder<LogLine>;
const prefix = testRedisPrefix();

beforeAll(async () => {
  db = await createTestDatabase('pw_reconcile');
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  redis = await startRedisServer();
  receiver = await startReceiver();
  const captured = captureLogger('info');
  lines = captured.lines;
  controller = testController(db.url, {
    redisUrl: redis.url,
    redisPrefix: prefix,
    logger: captured.logger,
    relayPollMs: 100,
    followupIntervalMs: 100,
    reconcileGraceMs: 500,
    // The second attempt waits a minute: the job is surely waiting (delayed) when Redis dies, and
    // only a re-enqueued job (which starts at once) can deliver within the test's time.
    notifyRetry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  await controller.start();
  await controller.applyPolicy(`
alertGroups:
  ops:
    name: Ops
    channels: [{ webhook: { url: '${receiver.url}/hook' } }]
checks:
  - { name: web, port: 8080, alertGroup: ops }
`);
});

afterAll(async () => {
  await controller?.stop();
  await receiver?.close();
  await redis?.stop();
  await sql?.end({ timeout: 5 });
  await db?.drop();
});

/** What ingest writes when an incident opens (agent, incident, outbox row), for the relay to find. */
async function openIncident(policyRevision: number): Promise<number> {
  const [agent] = await sql<{ id: number }[]>`
    INSERT INTO agents (name, labels, hostname) VALUES ('web-1', '{}', 'web-1.example') RETURNING id`;
  const openedAt = new Date();
  const [incident] = await sql<{ id: number }[]>`
    INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
    VALUES (${agent!.id}, 'web', 'web', 'ops', 'refused', 'connect ECONNREFUSED', ${openedAt}) RETURNING id`;
  const payload: Omit<IncidentEvent, 'outboxId'> = {
    event: 'opened',
    incidentId: incident!.id,
    check: { id: 'web', name: 'web', host: '127.0.0.1', port: 8080 },
    agent: { name: 'web-1', hostname: 'web-1.example', labels: {} },
    alertGroup: { id: 'ops', name: 'Ops' },
    policyRevision,
    reason: 'refused',
    detail: 'connect ECONNREFUSED',
    consecutiveFailures: 1,
    startsAt: openedAt.toISOString(),
  };
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO outbox (incident_id, event, payload)
    VALUES (${incident!.id}, 'opened', ${sql.json(JSON.parse(JSON.stringify(payload)) as postgres.JSONValue)})
    RETURNING id`;
  return Number(row!.id); // bigint: a string from this pool
}

async function notificationRow(outboxId: number) {
  const [row] = await sql<{ status: string; attempts: number; error: string | null }[]>`
    SELECT status, attempts, error FROM notifications WHERE outbox_id = ${outboxId}`;
  return row;
}

describe('a Redis without persistence restarted while a job waits between retries', () => {
  it('still delivers the notification, once, through the reconciler', async () => {
    receiver.script('/hook', [{ status: 500, body: 'busy' }]); // then 200 for good
    const outboxId = await openIncident(controller.currentRevision());

    // The first attempt failed and the job waits a minute for the next one.
    const retrying = await until('the notification row to be retrying', async () => {
      const row = await notificationRow(outboxId);
      return row?.status === 'retrying' && row;
    });
    expect(retrying).toMatchObject({ attempts: 1, error: expect.stringContaining('answered 500: busy') });
    expect(receiver.on('/hook')).toHaveLength(1);
    // The row is written during the attempt; BullMQ moves the job to `delayed` just after it.
    const inspect = new Queue(DEFAULT_QUEUE_NAME, { connection: { url: redis.url }, prefix });
    try {
      await until('the job to wait for its next attempt', async () => {
        const job = await inspect.getJob(deliveryJobId(outboxId, 0));
        return (await job?.getState()) === 'delayed';
      });
    } finally {
      await inspect.close();
    }

    await redis.kill();
    await redis.start(); // same port, nothing in it: the delayed job is gone

    await lines.until(
      () => lines.items.some((line) => line.msg === RECONCILED && line.outboxId === outboxId),
      'the reconciler to re-enqueue the job',
      20_000,
    );
    const sent = await until('the notification row to be sent', async () => {
      const row = await notificationRow(outboxId);
      return row?.status === 'sent' && row;
    });
    // Two attempts in all: the one that failed before the restart, and the one that was answered 200.
    expect(sent).toEqual({ status: 'sent', attempts: 2, error: null });
    const requests = receiver.on('/hook');
    expect(requests).toHaveLength(2);
    const bodies = requests.map(
      (request) => JSON.parse(request.body) as { status: string; alerts: unknown[] },
    );
    expect(bodies.map((body) => body.status)).toEqual(['firing', 'firing']);
    const line = lines.items.find((item) => item.msg === RECONCILED && item.outboxId === outboxId);
    expect(line).toMatchObject({ channel: 'ops#0:webhook', jobState: 'missing', action: 'add', level: 30 });
  }, 60_000);
});
