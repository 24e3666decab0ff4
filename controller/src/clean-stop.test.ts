import {
  credentials,
  loadPackageDefinition,
  status,
  type ClientReadableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import {
  AgentServiceClient,
  Outcome,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import type { Controller } from './controller.js';
import { testController } from './testing/controller.js';
import { createTestDatabase, type TestDatabase } from './testing/db.js';

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, interval: 1s, alertGroup: ops }]
`;

let db: TestDatabase;
let sql: postgres.Sql;
const controllers: Controller[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  for (const close of closers) close();
  for (const controller of controllers) await controller.stop();
  await sql?.end();
  await db?.drop();
});

async function startController() {
  const controller = testController(db.url);
  controllers.push(controller);
  const started = await controller.start();
  await controller.applyPolicy(POLICY);
  return { controller, ...started };
}

const hello: ConnectRequest = {
  body: {
    $case: 'hello',
    value: {
      name: 'stopper',
      labels: {},
      os: 'linux',
      agentVersion: 'test',
      configRevision: 0,
      hostname: 'h',
    },
  },
};

/** Each result's probe time, fixed per seq: a resend from the spool carries the same one. */
const probedAt = Date.now();
const batch = (seq: number): ConnectRequest => ({
  body: {
    $case: 'results',
    value: {
      results: [
        {
          seq,
          checkId: 'web',
          startedAtUnixMs: probedAt + seq,
          durationMs: 1,
          outcome: Outcome.OUTCOME_UP,
          reason: '',
          detail: '',
          timings: undefined,
          consecutiveFailures: 0,
          responds: false,
        },
      ],
    },
  },
});

/** An agent's stream as the agent sees it: the acks it got, and how the stream ended. */
function agentStream(address: string, name = 'stopper') {
  // A channel of its own, so that a stream opened during the stop needs a connection of its own.
  const client = new AgentServiceClient(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  closers.push(() => client.close());
  const stream = client.connect();
  const seen = { acks: [] as number[], configs: 0, error: undefined as ServiceError | undefined };
  stream.on('data', (m: ConnectResponse) => {
    if (m.body?.$case === 'ack') seen.acks.push(m.body.value.upToSeq);
    if (m.body?.$case === 'config') seen.configs++;
  });
  stream.on('error', (error: ServiceError) => (seen.error = error));
  stream.write(
    hello.body?.$case === 'hello'
      ? { body: { $case: 'hello', value: { ...hello.body.value, name } } }
      : hello,
  );
  return { seen, send: (message: ConnectRequest) => stream.write(message) };
}

/** grpc.health.v1 Watch: every status the server sends on one stream, while it stays open. */
function watchHealth(address: string) {
  const definition = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new definition.grpc.health.v1.Health(address, credentials.createInsecure()) as unknown as {
    watch(request: object): ClientReadableStream<{ status: string }>;
    close(): void;
  };
  const call = client.watch({ service: '' });
  const statuses: string[] = [];
  call.on('data', (reply: { status: string }) => statuses.push(reply.status));
  call.on('error', () => {});
  const close = () => {
    call.cancel();
    client.close();
  };
  closers.push(close);
  return { statuses, close };
}

const readyz = async (httpUrl: string) => (await fetch(`${httpUrl}/readyz`)).status;

/** The controller's own transaction waits for a lock the test holds. */
const waitingOnLock = async () =>
  (
    await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = ${db.name} AND application_name = 'portwarden-controller'
        AND wait_event_type = 'Lock'`
  )[0]!.n > 0;

const stored = async (seq: number) =>
  (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results WHERE seq = ${seq}`)[0]!.n;

describe('a clean stop', { timeout: 60_000 }, () => {
  it('turns readiness false first, then takes no new stream, and acks no batch it did not commit', async () => {
    const { controller, grpcAddress, httpUrl } = await startController();
    const agent = agentStream(grpcAddress);
    agent.send(batch(1));
    await until('seq 1 acked', () => agent.seen.acks.includes(1));
    const health = watchHealth(grpcAddress);
    await until('gRPC health SERVING', () => health.statuses.at(-1) === 'SERVING');
    expect(await readyz(httpUrl)).toBe(200);

    // Batch 2 is in flight: its transaction waits on the check's state, locked here.
    let unlock!: () => void;
    let locked!: () => void;
    const unlocked = new Promise<void>((resolve) => (unlock = resolve));
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const lock = sql.begin(async (tx) => {
      await tx`SELECT 1 FROM check_state WHERE check_id = 'web' FOR UPDATE`;
      locked();
      await unlocked;
    });
    await lockTaken;
    agent.send(batch(2));
    await until('batch 2 waiting on the lock', waitingOnLock);

    const stopping = controller.stop();
    await until('the agent stream closed', () => agent.seen.error);
    expect(agent.seen.error!.code).toBe(status.UNAVAILABLE);
    // The health watch holds the gRPC server's shutdown open, and the HTTP API stops after it: what
    // /readyz says now, it said before the gRPC server stopped taking streams.
    expect(await readyz(httpUrl)).toBe(503);
    await until('gRPC health NOT_SERVING', () => health.statuses.at(-1) === 'NOT_SERVING');

    const late = agentStream(grpcAddress);
    await until('a new stream refused', () => late.seen.error);
    expect(late.seen.configs).toBe(0);

    health.close();
    unlock();
    await lock;
    await stopping;
    // Batch 2 was never acked: the agent resends it. Committed or not, nothing acked is missing.
    expect(agent.seen.acks).toEqual([1]);
    for (const seq of agent.seen.acks) expect(await stored(seq)).toBe(1);

    const next = await startController();
    const again = agentStream(next.grpcAddress);
    again.send(batch(2));
    await until('seq 2 acked after the resend', () => again.seen.acks.includes(2));
    expect(await stored(2)).toBe(1);
  });

  it('acknowledges every batch it committed before it ends the streams', async () => {
    const { controller, grpcAddress } = await startController();
    const agent = agentStream(grpcAddress, 'drained');
    for (let seq = 1; seq <= 300; seq++) agent.send(batch(seq));
    await until('a first ack', () => agent.seen.acks.length > 0);
    await controller.stop(); // batches are still being read and committed
    const [row] = await sql<{ n: number; max: number | null }[]>`
      SELECT count(*)::int AS n, max(r.seq)::int AS max FROM results r JOIN agents a ON a.id = r.agent_id
      WHERE a.name = 'drained'`;
    // What was stored was acknowledged: nothing for the agent to resend, or to count dropped if its
    // spool overflowed meanwhile.
    expect(row!.n).toBeGreaterThan(0);
    expect(agent.seen.acks.at(-1)).toBe(row!.max);
    expect(row!.n).toBe(row!.max);
  });
});
