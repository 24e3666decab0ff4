import { credentials } from '@grpc/grpc-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServiceClient, Outcome, type ConnectRequest } from '@portwarden/proto/agent/v1';
import { createController, type Controller } from '../controller.js';
import { startReceiver, type Receiver } from '../notify/testing/receiver.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '../testing/db.js';

/**
 * Grouping end to end: a controller on real PostgreSQL and Redis (its own prefix), an agent's
 * stream, and a real HTTP receiver. Ten checks of a grouped alert group fail on one agent within
 * groupWait: one webhook with ten alerts. An alert group without groupBy is told at once, each.
 */

interface Message {
  status: string;
  groupLabels: Record<string, string>;
  groupKey: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

const GROUP_WAIT_MS = 2000;
const CHECKS = Array.from({ length: 10 }, (_, i) => `svc-${i}`);

let db: TestDatabase;
let controller: Controller;
let receiver: Receiver;
let client: AgentServiceClient;
let sql: postgres.Sql;
let stream: ReturnType<AgentServiceClient['connect']>;
const prefix = testRedisPrefix();

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  controller = createController({
    databaseUrl: db.url,
    redisUrl: TEST_REDIS_URL,
    redisPrefix: prefix,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 4,
    relayPollMs: 100,
    followupIntervalMs: 100,
  });
  const started = await controller.start();
  await controller.applyPolicy(`
alertGroups:
  grouped:
    channels: [{ webhook: { url: '${receiver.url}/grouped' } }]
    groupBy: [agent]
    groupWait: ${GROUP_WAIT_MS}ms
  direct:
    channels: [{ webhook: { url: '${receiver.url}/direct' } }]
checks:
${CHECKS.map((id, i) => `  - { name: ${id}, port: ${9000 + i}, interval: 1s, alertGroup: grouped }`).join('\n')}
  - { name: db, port: 5432, interval: 1s, alertGroup: direct }
  - { name: cache, port: 6379, interval: 1s, alertGroup: direct }
`);
  client = new AgentServiceClient(started.grpcAddress, credentials.createInsecure());
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  client?.close();
  await sql?.end();
  await controller?.stop();
  await receiver?.close();
  await db?.drop();
  await deleteRedisPrefix(prefix);
});

const hello: ConnectRequest = {
  body: {
    $case: 'hello',
    value: {
      name: 'web-1',
      labels: {},
      os: 'linux',
      agentVersion: 't',
      configRevision: 0,
      hostname: 'web-1',
    },
  },
};

const result = (seq: number, checkId: string, outcome: Outcome): ConnectRequest => ({
  body: {
    $case: 'results',
    value: {
      results: [
        {
          seq,
          checkId,
          startedAtUnixMs: Date.now(),
          durationMs: 1,
          outcome,
          reason: outcome === Outcome.OUTCOME_DOWN ? 'refused' : '',
          detail: '',
          timings: undefined,
          consecutiveFailures: 0,
          responds: false,
        },
      ],
    },
  },
});

const down = (seq: number, checkId: string) => result(seq, checkId, Outcome.OUTCOME_DOWN);
const up = (seq: number, checkId: string) => result(seq, checkId, Outcome.OUTCOME_UP);

const on = (path: string) => receiver.on(path).map((request) => JSON.parse(request.body) as Message);

async function statuses(): Promise<{ grouped: string[]; group: string[] }> {
  const rows = await sql<{ status: string; member: boolean; error: string | null }[]>`
    SELECT n.status, o.group_key IS NOT NULL AS member, n.error
    FROM notifications n JOIN outbox o ON o.id = n.outbox_id
    WHERE o.payload->'alertGroup'->>'id' = 'grouped'`;
  return {
    grouped: rows.filter((r) => r.member).map((r) => `${r.status}: ${r.error}`),
    group: rows.filter((r) => !r.member).map((r) => r.status),
  };
}

describe('grouping', () => {
  it('tells ten checks failing on one agent within groupWait in ONE webhook with ten alerts', async () => {
    stream = client.connect();
    stream.on('error', () => {}); // cancelled at the end
    stream.write(hello);
    // One result per check, one after the other, as an agent's probes come in.
    [...CHECKS, 'db', 'cache'].forEach((id, i) => stream.write(down(i + 1, id)));

    await receiver.requests.until(
      (r) => r.filter((q) => q.path === '/grouped').length >= 1,
      'the group',
      15_000,
    );
    const [message] = on('/grouped');
    expect(message!.status).toBe('firing');
    expect(message!.alerts).toHaveLength(10);
    expect(message!.alerts.map((a) => a.labels.check_id).sort()).toEqual([...CHECKS].sort());
    expect(message!.alerts.every((a) => a.status === 'firing' && a.labels.agent === 'web-1')).toBe(true);
    expect(message!.groupLabels).toEqual({ agent: 'web-1' });
    expect(message!.groupKey).toBe('{}/{alertgroup="grouped"}:{agent="web-1"}');

    // The alert group without groupBy told each incident at once: before the group was due.
    const direct = receiver.on('/direct');
    expect(direct).toHaveLength(2);
    const groupedAt = receiver.requests.items.findIndex((q) => q.path === '/grouped');
    expect(receiver.requests.items.findIndex((q) => q.path === '/direct')).toBeLessThan(groupedAt);
    expect(on('/direct').map((m) => m.alerts.length)).toEqual([1, 1]);

    // Each member recorded as grouped, the group's one notification as sent; and nothing more.
    await expect.poll(statuses, { timeout: 10_000 }).toEqual({
      grouped: Array.from({ length: 10 }, () => 'grouped: told with its group grouped:{agent="web-1"}'),
      group: ['sent'],
    });
    const [row] = await sql<{ flushed: number }[]>`
      SELECT count(DISTINCT group_outbox_id)::int AS flushed FROM outbox WHERE group_key IS NOT NULL`;
    expect(row?.flushed).toBe(1);
    expect(receiver.on('/grouped')).toHaveLength(1);
  });

  it("tells a member's resolve at once, on its own", async () => {
    stream.write(up(13, 'svc-3'));
    await receiver.requests.until(
      (r) => r.filter((q) => q.path === '/grouped').length >= 2,
      'the resolve',
      10_000,
    );
    const resolved = on('/grouped')[1]!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts.map((a) => [a.status, a.labels.check_id])).toEqual([['resolved', 'svc-3']]);
    stream.cancel();
  });
});
