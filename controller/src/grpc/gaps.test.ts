import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectRequest, GapReport } from '@portwarden/proto/agent/v1';
import { createController, type Controller } from '../controller.js';
import { hello, TestAgentClient } from '../enroll/testing/agent-client.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { validateGap } from './gaps.js';

const gap = (overrides: Partial<GapReport> = {}): GapReport => ({
  id: 1,
  fromSeq: 10,
  toSeq: 20,
  dropped: 5,
  byCheck: { web: 3, db: 2 },
  ...overrides,
});

describe('validateGap', () => {
  it('accepts a report that adds up', () => {
    expect(validateGap(gap())).toEqual(gap());
  });

  // Each report breaks the contract in one way; the message names it.
  const bad: [string, Partial<GapReport>, RegExp][] = [
    ['a zero id', { id: 0 }, /gap.id must be a positive integer/],
    ['seqs the wrong way round', { fromSeq: 20, toSeq: 10 }, /from_seq <= to_seq/],
    ['no seq at all', { fromSeq: 0 }, /must be positive/],
    ['nothing dropped', { dropped: 0, byCheck: {} }, /at least 1/],
    ['more dropped than the range holds', { fromSeq: 1, toSeq: 2, dropped: 5 }, /fit between/],
    ['counts that do not add up', { byCheck: { web: 3, db: 1 } }, /adds up to 4, not to gap.dropped \(5\)/],
    ['an empty check id', { byCheck: { '': 5 } }, /empty or too long check id/],
    ['a zero count', { byCheck: { web: 5, db: 0 } }, /gap.by_check.db must be a positive integer/],
    [
      'too many checks',
      {
        dropped: 1001,
        toSeq: 5000,
        byCheck: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, 1])),
      },
      /at most 1000/,
    ],
  ];
  it.each(bad)('refuses %s', (_why, overrides, message) => {
    expect(() => validateGap(gap(overrides))).toThrow(message);
  });
});

describe('gap reports over the stream', () => {
  let db: TestDatabase;
  let controller: Controller;
  let client: TestAgentClient;
  let httpUrl: string;
  let admin: TestAdminToken;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await testAdminToken();
    controller = createController({
      databaseUrl: db.url,
      adminTokenFile: admin.file,
      grpcListen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
      dbMaxConnections: 2,
    });
    const started = await controller.start();
    httpUrl = started.httpUrl;
    client = new TestAgentClient(started.grpcAddress, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await controller?.stop();
    await db?.drop();
    await admin?.remove();
  });

  const report = (value: GapReport): ConnectRequest => ({ body: { $case: 'gap', value } });
  const acks = (got: { body?: { $case: string; value: unknown } | undefined }[]) =>
    got.filter((m) => m.body?.$case === 'gapAck').map((m) => (m.body!.value as { id: number }).id);
  const api = async <T>(path: string) =>
    (await (await fetch(new URL(path, httpUrl), { headers: admin.headers })).json()) as T;

  it('records each report once, acks every copy, and shows the exact count', async () => {
    const first = gap({ id: 1, fromSeq: 1, toSeq: 40, dropped: 30, byCheck: { web: 20, db: 10 } });
    const second = gap({ id: 2, fromSeq: 41, toSeq: 50, dropped: 7, byCheck: { web: 7 } });
    // The same report twice on one stream, and again on the next: as after a reconnect.
    const { got } = await client.converse(
      [hello('gappy'), report(first), report(first), report(second)],
      (g) => acks(g).length === 3,
    ).ended;
    expect(acks(got)).toEqual([1, 1, 2]);
    const again = await client.converse([hello('gappy'), report(second)], (g) => acks(g).length === 1).ended;
    expect(acks(again.got)).toEqual([2]);

    const { agents } = await api<{ agents: { name: string; dropped: number }[] }>('/api/v1/agents');
    expect(agents.find((a) => a.name === 'gappy')?.dropped).toBe(37);
    const { gaps } = await api<{ gaps: unknown[] }>('/api/v1/gaps?agent=gappy');
    expect(gaps).toEqual([
      expect.objectContaining({
        agent: 'gappy',
        id: 2,
        fromSeq: 41,
        toSeq: 50,
        dropped: 7,
        byCheck: { web: 7 },
      }),
      expect.objectContaining({ agent: 'gappy', id: 1, dropped: 30, byCheck: { web: 20, db: 10 } }),
    ]);
    expect((await api<{ gaps: unknown[] }>('/api/v1/gaps?agent=nobody')).gaps).toEqual([]);
  });

  it('refuses a report that does not add up with INVALID_ARGUMENT', async () => {
    const { error } = await client.converse([hello('liar'), report(gap({ byCheck: { web: 1 } }))]).ended;
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/adds up to 1/);
  });

  it('refuses a bad query', async () => {
    const response = await fetch(new URL('/api/v1/gaps?limit=0', httpUrl), { headers: admin.headers });
    expect(response.status).toBe(400);
  });
});
