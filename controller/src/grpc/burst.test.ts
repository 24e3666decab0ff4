import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { status } from '@grpc/grpc-js';
import { silentLogger } from '@portwarden/common/logger';
import type { Controller } from '../controller.js';
import { createPolicyService } from '../policy/policy-service.js';
import { createAgentStore } from '../store/agents.js';
import { createGapStore } from '../store/gaps.js';
import { createIngestStore } from '../store/ingest-store.js';
import { createPolicyStore } from '../store/policy-revisions.js';
import { startGrpcServer } from './server.js';
import { SessionRegistry } from './session.js';
import { FlowGate } from './flow-control.js';
import { createGroupCommit } from '../ingest/group-commit.js';
import { capturedLogger, hello, isConfig, TestAgentClient } from '../enroll/testing/agent-client.js';
import { createDb, type Sql } from '../store/db.js';
import { testController } from '../testing/controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

const STREAMS = 400;

let db: TestDatabase;
let sql: Sql;
let controller: Controller;
let client: TestAgentClient;
// Debug, for the stream-opened / stream-ended lines that tell when the controller is done.
const logs = capturedLogger('debug');

beforeAll(async () => {
  db = await createTestDatabase();
  // A small pool queues and pipelines the hellos' statements, as 2,000 agents do on a bigger one.
  controller = testController(db.url, { logger: logs.logger });
  const { grpcAddress } = await controller.start();
  client = new TestAgentClient(grpcAddress, credentials.createInsecure());
  sql = createDb({ url: db.url, maxConnections: 1 });
  // The channel is connected before the burst, so that the hellos arrive together.
  const warm = client.converse([hello('warm-up')], isConfig);
  await warm.ended;
  warm.cancel();
});

afterAll(async () => {
  client?.close();
  await controller?.stop();
  await sql?.end();
  await db?.drop();
});

const connected = async () =>
  (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM agents WHERE connected`)[0]!.n;
const logged = (msg: string) => logs.lines.filter((l) => l.msg === msg).length;

describe('a burst of hellos from one address', () => {
  it('fails no session and leaves no agent connected once every stream has ended', async () => {
    // Each stream says hello and is cancelled at once: some before the controller reads the hello,
    // some while it registers the agent, some after.
    const streams = Array.from({ length: STREAMS }, (_, i) => {
      const conversation = client.converse([hello(`burst-${i}`)]);
      setTimeout(conversation.cancel, i % 50);
      return conversation.ended;
    });
    for (const { error } of await Promise.all(streams)) expect(error).toBeUndefined();
    // The streams are gone, but the controller may still be registering some. A last stream on the
    // same connection is seen after every earlier one (HTTP/2 keeps their order); once it too has
    // ended, every stream the controller saw must have been cleaned up.
    const last = client.converse([hello('burst-last')], isConfig);
    await last.ended;
    last.cancel();
    await until(
      'every stream the controller saw has ended',
      () => logged('agent stream ended') === logged('agent stream opened'),
      15_000,
    );
    expect(await connected()).toBe(0);
    expect(logs.lines.filter((l) => l.msg === 'agent session failed')).toEqual([]);
    expect(logs.text()).not.toMatch(/UNSAFE_TRANSACTION/);
    expect(logged('agent disconnected')).toBe(logged('agent connected'));
  }, 20_000);
});

describe('a session whose greeting fails after the agent is registered', () => {
  it('ends with UNAVAILABLE and leaves the agent disconnected', async () => {
    // As when the config push fails: the agent row already says connected, and the session must
    // still be released when its stream closes.
    const server = await startGrpcServer(
      '127.0.0.1:0',
      {
        agents: createAgentStore(sql),
        ingest: createGroupCommit({
          store: createIngestStore(sql),
          policy: () => undefined,
          logger: silentLogger(),
          onEvents: () => {},
        }),
        flow: new FlowGate(),
        gaps: createGapStore(sql),
        policy: {
          ...createPolicyService(createPolicyStore(sql), silentLogger()),
          current: () => {
            throw new Error('the policy could not be read');
          },
        },
        overrides: { list: () => Promise.resolve([]) },
        registry: new SessionRegistry(),
        logger: silentLogger(),
        liveness: { streamOpened: () => () => {}, greeted: () => {}, heard: () => {} },
      },
      { interceptors: [] },
    );
    const failing = new TestAgentClient(server.address, credentials.createInsecure());
    try {
      const { error } = await failing.converse([hello('greet-fails')]).ended;
      expect(error?.code).toBe(status.UNAVAILABLE);
      await until('the agent marked disconnected', async () => (await connected()) === 0, 5_000);
    } finally {
      failing.close();
      await server.stop();
    }
  }, 10_000);
});
