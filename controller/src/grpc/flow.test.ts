import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import {
  AgentServiceClient,
  Outcome,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import type { IngestBatch, IngestOutcome } from '../ingest/ingest.js';
import { createPolicyService } from '../policy/policy-service.js';
import { createAgentStore } from '../store/agents.js';
import { createDb, type Sql } from '../store/db.js';
import { createGapStore } from '../store/gaps.js';
import { migrate } from '../store/migrate.js';
import { createPolicyStore } from '../store/policy-revisions.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { FlowGate } from './flow-control.js';
import { startGrpcServer, type GrpcServer } from './server.js';
import { SessionRegistry } from './session.js';

let db: TestDatabase;
let sql: Sql;
let server: GrpcServer;
let client: AgentServiceClient;

/** A commit that holds every batch until released: PostgreSQL as slow as it gets. */
const held: { batch: IngestBatch; commit: (o: IngestOutcome) => void }[] = [];
let caughtUp = false;
const gate = new FlowGate({ perStream: 4, total: 1_000_000 });

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createDb({ url: db.url, maxConnections: 2 });
  await migrate(sql, silentLogger());
  server = await startGrpcServer(
    '127.0.0.1:0',
    {
      agents: createAgentStore(sql),
      ingest: {
        submit: (batch) =>
          caughtUp
            ? Promise.resolve({ stored: batch.results.length, events: 0 })
            : new Promise((commit) => held.push({ batch, commit })),
      },
      flow: gate,
      gaps: createGapStore(sql),
      policy: createPolicyService(createPolicyStore(sql), silentLogger()),
      overrides: { list: () => Promise.resolve([]) },
      registry: new SessionRegistry(),
      logger: silentLogger(),
      liveness: { streamOpened: () => () => {}, greeted: () => {}, heard: () => {} },
    },
    { interceptors: [] },
  );
  client = new AgentServiceClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await sql?.end();
  await db?.drop();
});

const TOTAL = 5_000;

const hello: ConnectRequest = {
  body: {
    $case: 'hello',
    value: {
      name: 'flood-1',
      labels: {},
      os: 'linux',
      agentVersion: 't',
      configRevision: 0,
      hostname: 'flood-1',
    },
  },
};

const results = (seq: number): ConnectRequest => ({
  body: {
    $case: 'results',
    value: {
      results: [
        {
          seq,
          checkId: 'web',
          startedAtUnixMs: Date.UTC(2026, 0, 1) + seq,
          durationMs: 1,
          outcome: Outcome.OUTCOME_DOWN,
          reason: 'refused',
          detail: 'x'.repeat(1000),
          timings: undefined,
          consecutiveFailures: 0,
          responds: false,
        },
      ],
    },
  },
});

describe('flow control', () => {
  it('stops reading a stream past its bound, so the agent feels back-pressure; acks all once committed', async () => {
    const stream: ClientDuplexStream<ConnectRequest, ConnectResponse> = client.connect();
    const acks: number[] = [];
    stream.on('data', (m: ConnectResponse) => {
      if (m.body?.$case === 'ack') acks.push(m.body.value.upToSeq);
    });
    stream.on('error', () => {});
    stream.write(hello);
    // Write as an agent does, waiting for 'drain' when the stream says stop. A controller that kept
    // reading would take all 5,000 (5 MB) at once; this one stops at its bound, HTTP/2 flow
    // control closes the window, and the writer stalls after what the transport buffers hold.
    let seq = 0;
    let stalled = false;
    const writer = (async () => {
      while (seq < TOTAL) {
        if (stream.write(results(++seq))) continue;
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 1_000);
          stream.once('drain', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!drained && !stalled) stalled = true;
        if (!drained) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      }
    })();
    await until('the writer stalled', () => stalled, 10_000);
    expect(held.length).toBe(4);
    expect(gate.pending).toBe(4);
    expect(seq).toBeLessThan(2_000);
    // PostgreSQL catches up: every batch is read, committed, and acknowledged in the end.
    caughtUp = true;
    for (const { batch, commit } of held.splice(0)) commit({ stored: batch.results.length, events: 0 });
    try {
      await writer;
      await until('everything acknowledged', () => acks.at(-1) === TOTAL, 20_000);
    } finally {
      stream.cancel();
    }
    expect(gate.pending).toBe(0);
  }, 30_000);
});
