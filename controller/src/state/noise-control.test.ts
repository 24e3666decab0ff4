import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import {
  AgentServiceClient,
  Outcome,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import { createController, type Controller } from '../controller.js';
import { startReceiver, type Receiver } from '../notify/testing/receiver.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { createDb, type Sql } from '../store/db.js';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '../testing/db.js';

/**
 * Recovery threshold, flapping and inhibition end to end: results over the controller's gRPC
 * stream, PostgreSQL, the outbox relayed to BullMQ on Redis, delivered to a real webhook receiver.
 */
interface Message {
  status: 'firing' | 'resolved';
  alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const prefix = testRedisPrefix();
let db: TestDatabase;
let sql: Sql;
let controller: Controller;
let receiver: Receiver;
let client: AgentServiceClient;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  controller = createController({
    databaseUrl: db.url,
    redisUrl: TEST_REDIS_URL,
    redisPrefix: prefix,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 4,
    livenessIntervalMs: 100,
    relayPollMs: 100,
  });
  const { grpcAddress } = await controller.start();
  await controller.applyPolicy(`
alertGroups: { ops: { channels: [{ webhook: { url: '${receiver.url}/hook' } }] } }
liveness: { after: 1s, alertGroup: ops }
defaults: { alertGroup: ops, interval: 1s }
checks:
  - { name: recovering, port: 1001, successesBeforeResolve: 3 }
  - { name: flappy, port: 1002, flapping: { changes: 2, window: 3s } }
  - { name: told, port: 1003 }
  - { name: held, port: 1004 }
`);
  client = new AgentServiceClient(grpcAddress, credentials.createInsecure());
  sql = createDb({ url: db.url, maxConnections: 1 });
});

afterAll(async () => {
  client?.close();
  await controller?.stop();
  await sql?.end();
  await receiver?.close();
  await db?.drop();
  await deleteRedisPrefix(prefix);
});

/** An agent's stream: hello, then results one at a time, each waiting for its ack (committed). */
class AgentStream {
  private readonly stream: ClientDuplexStream<ConnectRequest, ConnectResponse>;
  private acked = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly name: string,
    private seq = 0,
  ) {
    this.stream = client.connect();
    this.stream.on('error', () => {});
    this.stream.on('data', (m: ConnectResponse) => {
      if (m.body?.$case !== 'ack') return;
      this.acked = Math.max(this.acked, m.body.value.upToSeq);
      for (const wake of this.waiting) wake();
    });
    this.stream.write({
      body: {
        $case: 'hello',
        value: { name, labels: {}, os: 'linux', agentVersion: 't', configRevision: 0, hostname: name },
      },
    });
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Sends one result and resolves once the controller committed it. */
  async send(checkId: string, outcome: 'up' | 'down', probedAt = new Date()): Promise<void> {
    const seq = ++this.seq;
    this.stream.write({
      body: {
        $case: 'results',
        value: {
          results: [
            {
              seq,
              checkId,
              startedAtUnixMs: probedAt.getTime(),
              durationMs: 1,
              outcome: outcome === 'up' ? Outcome.OUTCOME_UP : Outcome.OUTCOME_DOWN,
              reason: outcome === 'up' ? '' : 'refused',
              detail: '',
              timings: undefined,
              consecutiveFailures: 0,
              responds: false,
            },
          ],
        },
      },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ack for seq ${seq}`)), 5_000);
      const wake = () => {
        if (this.acked < seq) return;
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      this.waiting.add(wake);
      wake();
    });
  }

  close(): void {
    this.stream.cancel();
  }
}

const messages = (agent: string, alertname = 'PortwardenCheckFailed', check?: string) =>
  receiver
    .on('/hook')
    .map((r) => JSON.parse(r.body) as Message)
    .filter((m) => {
      const labels = m.alerts[0]!.labels;
      return (
        labels.agent === agent && labels.alertname === alertname && (!check || labels.check_id === check)
      );
    });

const waitForMessages = (what: string, count: () => number, n: number) =>
  receiver.requests.until(() => count() >= n, what, 10_000);

/** Notification log rows of an agent's check, in outbox order: `event:status`. */
async function notificationRows(agent: string, check: string): Promise<string[]> {
  const rows = await sql<{ event: string; status: string }[]>`
    SELECT o.event, n.status FROM notifications n
    JOIN outbox o ON o.id = n.outbox_id JOIN incidents i ON i.id = o.incident_id
    JOIN agents a ON a.id = i.agent_id
    WHERE a.name = ${agent} AND i.check_id = ${check} ORDER BY o.id`;
  return rows.map((r) => `${r.event}:${r.status}`);
}

/** Waits until every outbox row of the check has its notification row: delivery is done. */
async function delivered(agent: string, check: string): Promise<void> {
  await until(
    `every notification of ${agent}/${check} recorded`,
    async () => {
      const [row] = await sql<{ pending: number }[]>`
        SELECT count(*)::int AS pending FROM outbox o JOIN incidents i ON i.id = o.incident_id
        JOIN agents a ON a.id = i.agent_id
        WHERE a.name = ${agent} AND i.check_id = ${check}
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.outbox_id = o.id)`;
      return row!.pending === 0;
    },
    10_000,
  );
}

async function incidents(agent: string, check: string) {
  return sql<{ id: number; resolvedAt: Date | null; firingTold: boolean }[]>`
    SELECT i.id, i.resolved_at, i.firing_told FROM incidents i JOIN agents a ON a.id = i.agent_id
    WHERE a.name = ${agent} AND i.check_id = ${check} ORDER BY i.id`;
}

describe('recovery threshold (successesBeforeResolve: 3)', () => {
  it('keeps the incident open after two successes and resolves it at the third, told once', async () => {
    const agent = new AgentStream('recover-1');
    try {
      const told = () => messages('recover-1').length;
      await agent.send('recovering', 'down');
      await waitForMessages('the firing', told, 1);
      await agent.send('recovering', 'up');
      await agent.send('recovering', 'up');
      expect((await incidents('recover-1', 'recovering')).map((i) => i.resolvedAt)).toEqual([null]);
      const [state] = await sql<{ consecutiveSuccesses: number }[]>`
        SELECT consecutive_successes FROM check_state WHERE check_id = 'recovering'`;
      expect(state!.consecutiveSuccesses).toBe(2);
      await agent.send('recovering', 'up');
      await waitForMessages('the resolve', told, 2);
      await agent.send('recovering', 'up');
      await delivered('recover-1', 'recovering');
      expect(messages('recover-1').map((m) => m.status)).toEqual(['firing', 'resolved']);
      expect((await incidents('recover-1', 'recovering'))[0]!.resolvedAt).not.toBeNull();
      expect(await notificationRows('recover-1', 'recovering')).toEqual(['opened:sent', 'resolved:sent']);
    } finally {
      agent.close();
    }
  }, 20_000);
});

describe('flapping (more than 2 changes within 3s)', () => {
  it('tells one "flapping" notice, nothing while flapping, then the final state once stable', async () => {
    const agent = new AgentStream('flap-1');
    try {
      const told = () => messages('flap-1').length;
      for (const outcome of ['down', 'up', 'down', 'up', 'down'] as const)
        await agent.send('flappy', outcome);
      // Taken before the controller receives the last change: the final state comes a window after.
      const lastChange = Date.now();
      await agent.send('flappy', 'up');
      await waitForMessages('the flapping notice', told, 3);
      // Delivery order is not guaranteed (BullMQ runs jobs in parallel): find each by what it says.
      const notice = messages('flap-1').find((m) => m.alerts[0]!.annotations.notice);
      expect(notice?.status).toBe('firing');
      expect(notice!.alerts[0]!.annotations.notice).toMatch(/flapping/);
      // Results keep coming, as from an agent running the check every second; the check is stable
      // once one arrives a full window after the last change.
      const ticking = setInterval(() => void agent.send('flappy', 'up').catch(() => {}), 250);
      try {
        await waitForMessages('the final state', told, 4);
      } finally {
        clearInterval(ticking);
      }
      expect(Date.now() - lastChange).toBeGreaterThanOrEqual(3_000);
      await delivered('flap-1', 'flappy');
      const sent = messages('flap-1');
      expect(sent.map((m) => m.status).sort()).toEqual(['firing', 'firing', 'resolved', 'resolved']);
      const final = sent.find((m) => /No longer flapping/.test(m.alerts[0]!.annotations.notice ?? ''));
      expect(final?.status).toBe('resolved');
      expect(await notificationRows('flap-1', 'flappy')).toEqual([
        'opened:sent',
        'resolved:sent',
        'opened:sent', // the flapping notice
        'resolved:flapping',
        'opened:flapping',
        'resolved:flapping',
        'resolved:sent', // the final state: up
      ]);
      // The final resolve is the incident whose firing was told, never the held one.
      const [, second] = await incidents('flap-1', 'flappy');
      const [resolvedIncident] = await sql<{ incidentId: number }[]>`
        SELECT o.incident_id FROM outbox o JOIN incidents i ON i.id = o.incident_id
        WHERE i.check_id = 'flappy' ORDER BY o.id DESC LIMIT 1`;
      expect(resolvedIncident!.incidentId).toBe(second!.id);
    } finally {
      agent.close();
    }
  }, 30_000);
});

describe('inhibition while the agent is unreachable', () => {
  it("records its checks' incidents as inhibited, and still resolves the one whose firing was sent", async () => {
    const first = new AgentStream('inhibit-1');
    const checks = () => messages('inhibit-1').length;
    const unreachable = () => messages('inhibit-1', 'PortwardenAgentUnreachable').length;
    await first.send('told', 'down');
    await waitForMessages('the firing of "told"', checks, 1);
    first.close(); // the agent goes away
    await waitForMessages('agent unreachable', unreachable, 1);
    // The agent spooled these while the controller could not hear it.
    const whileAway = new Date();
    const again = new AgentStream('inhibit-1', first.lastSeq);
    try {
      await again.send('held', 'down', whileAway);
      await again.send('told', 'up', whileAway);
      await waitForMessages('agent reachable again', unreachable, 2);
      await waitForMessages('the resolve of "told"', checks, 2);
      // Live, after the reconnect: "held" recovers; its firing was never sent, nor is its resolve.
      await again.send('held', 'up');
      await delivered('inhibit-1', 'held');
      await delivered('inhibit-1', 'told');

      expect(await notificationRows('inhibit-1', 'held')).toEqual(['opened:inhibited', 'resolved:inhibited']);
      expect(await notificationRows('inhibit-1', 'told')).toEqual(['opened:sent', 'resolved:sent']);
      expect((await incidents('inhibit-1', 'held')).map((i) => i.firingTold)).toEqual([false]);
      expect(messages('inhibit-1', 'PortwardenAgentUnreachable').map((m) => m.status)).toEqual([
        'firing',
        'resolved',
      ]);
      expect(messages('inhibit-1').map((m) => [m.alerts[0]!.labels.check_id, m.status])).toEqual([
        ['told', 'firing'],
        ['told', 'resolved'],
      ]);
    } finally {
      again.close();
    }
  }, 20_000);

  it('releases a held firing when a live result shows the check still failing', async () => {
    const first = new AgentStream('inhibit-2');
    await first.send('told', 'up');
    first.close();
    const unreachable = () => messages('inhibit-2', 'PortwardenAgentUnreachable').length;
    await waitForMessages('agent unreachable', unreachable, 1);
    const whileAway = new Date();
    const again = new AgentStream('inhibit-2', first.lastSeq);
    try {
      await again.send('held', 'down', whileAway);
      await waitForMessages('agent reachable again', unreachable, 2);
      await again.send('held', 'down');
      await waitForMessages('the released firing', () => messages('inhibit-2').length, 1);
      const [released] = messages('inhibit-2');
      expect(released!.status).toBe('firing');
      expect(released!.alerts[0]!.annotations.notice).toMatch(/reachable again/);
      await delivered('inhibit-2', 'held');
      expect(await notificationRows('inhibit-2', 'held')).toEqual(['opened:inhibited', 'opened:sent']);
    } finally {
      again.close();
    }
  }, 20_000);
});
