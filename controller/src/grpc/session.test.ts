import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentServiceClient,
  Outcome,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import postgres from 'postgres';
import { createController, type Controller } from '../controller.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';

let db: TestDatabase;
let controller: Controller;
let client: AgentServiceClient;

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: web, port: 8080, interval: 1s, alertGroup: ops, agents: { role: web } }
  - { name: db, port: 5432, interval: 1s, alertGroup: ops, agents: { role: db } }
`;

beforeAll(async () => {
  db = await createTestDatabase();
  controller = createController({
    databaseUrl: db.url,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 3,
  });
  const started = await controller.start();
  await controller.applyPolicy(POLICY);
  client = new AgentServiceClient(started.grpcAddress, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await controller?.stop();
  await db?.drop();
});

/** Opens a stream, sends the messages, and collects what comes back until the stream ends or `until` holds. */
function converse(messages: ConnectRequest[], until: (got: ConnectResponse[]) => boolean = () => false) {
  return new Promise<{ got: ConnectResponse[]; error?: ServiceError }>((resolve) => {
    const stream = client.connect();
    const got: ConnectResponse[] = [];
    stream.on('data', (m: ConnectResponse) => {
      got.push(m);
      if (until(got)) {
        stream.cancel();
        resolve({ got });
      }
    });
    stream.on('error', (error: ServiceError) =>
      resolve({ got, error: error.code === status.CANCELLED ? undefined : error }),
    );
    stream.on('end', () => resolve({ got }));
    for (const m of messages) stream.write(m);
  });
}

const hello = (name: string, role: string): ConnectRequest => ({
  body: {
    $case: 'hello',
    value: { name, labels: { role }, os: 'linux', agentVersion: 'test', configRevision: 0, hostname: name },
  },
});

const result = (
  seq: number,
  overrides: Partial<{ reason: string; outcome: Outcome; checkId: string }> = {},
): ConnectRequest => ({
  body: {
    $case: 'results',
    value: {
      results: [
        {
          seq,
          checkId: 'web',
          startedAtUnixMs: Date.now(),
          durationMs: 1,
          outcome: Outcome.OUTCOME_DOWN,
          reason: 'refused',
          detail: '',
          timings: undefined,
          consecutiveFailures: 0,
          responds: false,
          ...overrides,
        },
      ],
    },
  },
});

describe('AgentService.Connect', () => {
  it('pushes each agent only the checks its labels select', async () => {
    const { got } = await converse([hello('web-1', 'web')], (g) => g.length === 1);
    const push = got[0]!.body;
    expect(push?.$case).toBe('config');
    if (push?.$case !== 'config') return;
    expect(push.value.revision).toBeGreaterThan(0);
    expect(push.value.config?.checks.map((c) => c.id)).toEqual(['web']);
  });

  it("sends a check disabled at run time disabled in the hello's config, on that agent only", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await sql`INSERT INTO check_overrides (check_id, agent_name, disabled_by, disabled_at)
                VALUES ('web', 'web-off', 'alice', now())`;
      const enabled = async (name: string) => {
        const { got } = await converse([hello(name, 'web')], (g) => g.length === 1);
        const push = got[0]!.body;
        return push?.$case === 'config' ? push.value.config?.checks.map((c) => [c.id, c.enabled]) : push;
      };
      expect(await enabled('web-off')).toEqual([['web', false]]);
      expect(await enabled('web-on')).toEqual([['web', true]]);
    } finally {
      await sql.end();
    }
  });

  it('acks results only after they are stored', async () => {
    const { got } = await converse([hello('web-2', 'web'), result(1), result(2)], (g) =>
      g.some((m) => m.body?.$case === 'ack' && m.body.value.upToSeq === 2),
    );
    expect(
      got
        .filter((m) => m.body?.$case === 'ack')
        .map((m) => (m.body as { value: { upToSeq: number } }).value.upToSeq),
    ).toEqual([1, 2]);
  });

  const acksOf = (got: ConnectResponse[]) =>
    got.flatMap((m) => (m.body?.$case === 'ack' ? [m.body.value.upToSeq] : []));

  it('never sends a decreasing ack, nor one past a seq it has not stored', async () => {
    const { got } = await converse(
      [hello('web-3', 'web'), result(10), result(9), result(8), result(20), result(11)],
      (g) => acksOf(g).includes(11),
    );
    // 10 starts the stream; 9 and 8 are below it; 12..19 are neither stored nor reported as a gap,
    // so 20 is never acked; 11 follows 10. Acks of one group commit go out as one.
    const acks = acksOf(got);
    expect(acks.filter((ack) => ack !== 10 && ack !== 11)).toEqual([]);
    expect(acks.at(-1)).toBe(11);
    expect(acks).toEqual([...acks].sort((a, b) => a - b));
  });

  it('acks past a hole once a gap report covers it', async () => {
    const gap: ConnectRequest = {
      body: { $case: 'gap', value: { id: 1, fromSeq: 3, toSeq: 4, dropped: 2, byCheck: { web: 2 } } },
    };
    const { got } = await converse([hello('web-4', 'web'), result(1), result(2), result(5), gap], (g) =>
      acksOf(g).includes(5),
    );
    // Batches commit while the gap is handled, and acks of one group commit go out as one: which
    // acks come is timing, but none lands in the hole, none goes back, and the last covers it.
    const acks = acksOf(got);
    expect(acks.at(-1)).toBe(5);
    expect(acks.filter((ack) => ![1, 2, 5].includes(ack))).toEqual([]);
    expect(acks).toEqual([...acks].sort((a, b) => a - b));
  });

  // Each bad frame ends the stream with INVALID_ARGUMENT and a message naming the problem.
  const bad: [string, ConnectRequest[], RegExp][] = [
    ['results before hello', [result(1)], /first message .* hello/],
    ['an empty message', [hello('bad-1', 'web'), { body: undefined }], /empty message/],
    ['a second hello', [hello('bad-2', 'web'), hello('bad-2', 'web')], /only be sent once/],
    ['an invalid agent name', [hello('../etc', 'web')], /not a valid agent name/],
    ['an unknown reason', [hello('bad-3', 'web'), result(1, { reason: 'gremlins' })], /not a known reason/],
    ['a zero sequence number', [hello('bad-4', 'web'), result(0)], /seq must be a positive integer/],
    [
      'an unspecified outcome',
      [hello('bad-5', 'web'), result(1, { outcome: Outcome.OUTCOME_UNSPECIFIED })],
      /outcome must be UP or DOWN/,
    ],
  ];
  it.each(bad)('refuses %s with INVALID_ARGUMENT', async (_why, messages, message) => {
    const { error } = await converse(messages);
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(message);
  });

  it('refuses an oversized frame with RESOURCE_EXHAUSTED and stays up', async () => {
    const huge = result(1);
    if (huge.body?.$case === 'results') huge.body.value.results[0]!.detail = 'x'.repeat(5 * 1024 * 1024);
    const { error } = await converse([hello('big-1', 'web'), huge]);
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const { got } = await converse([hello('after-big', 'db')], (g) => g.length === 1);
    expect(got[0]?.body?.$case).toBe('config');
  });
});
