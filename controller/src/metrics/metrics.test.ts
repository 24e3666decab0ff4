import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  namingProblem,
  parseMetrics,
  sampleValue,
  type MetricFamily,
} from '@portwarden/common/testing/metrics';
import { until } from '@portwarden/common/testing';
import {
  AgentServiceClient,
  Outcome,
  type ConnectRequest,
  type ConnectResponse,
} from '@portwarden/proto/agent/v1';
import type { Controller } from '../controller.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { insertOutboxEvent } from '../outbox/testing/fixtures.js';
import { createDb, type Sql } from '../store/db.js';
import { testAdminToken, type TestAdminToken } from '../testing/admin-token.js';
import { testController } from '../testing/controller.js';
import { CutProxy } from '../testing/cut-proxy.js';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '../testing/db.js';
import { DATABASE_SCRAPE_TIMEOUT_MS } from './controller-metrics.js';

const POLICY = `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: 8080, interval: 1s, alertGroup: ops }]
`;

let db: TestDatabase;
let sql: Sql;
let admin: TestAdminToken;
let controller: Controller;
let base: string;
let grpcAddress: string;
let viewer: string;
const prefix = testRedisPrefix();
const closers: (() => void)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await testAdminToken();
  controller = testController(db.url, {
    adminTokenFile: admin.file,
    redisUrl: TEST_REDIS_URL,
    redisPrefix: prefix,
    relayPollMs: 100,
  });
  ({ httpUrl: base, grpcAddress } = await controller.start());
  await controller.applyPolicy(POLICY);
  sql = createDb({ url: db.url, maxConnections: 1 });
  const created = await fetch(`${base}/api/v1/api-tokens`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'viewer', name: 'metrics-viewer' }),
  });
  viewer = ((await created.json()) as { token: string }).token;
});

afterAll(async () => {
  for (const close of closers) close();
  await controller?.stop();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  await admin?.remove();
  await deleteRedisPrefix(prefix);
});

/** `token` '' sends none. */
const scrapeResponse = (url = base, token = viewer) =>
  fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function scrape(url = base, token = viewer): Promise<Map<string, MetricFamily>> {
  const response = await scrapeResponse(url, token);
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

const result = (seq: number): ConnectRequest['body'] & { $case: 'results' } => ({
  $case: 'results',
  value: {
    results: [
      {
        seq,
        checkId: 'web',
        startedAtUnixMs: Date.now(),
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
});

/** An agent's stream: hello, then whatever is sent; the acks it got. */
function agentStream(name: string) {
  const client = new AgentServiceClient(grpcAddress, credentials.createInsecure());
  closers.push(() => client.close());
  const stream = client.connect();
  const acks: number[] = [];
  stream.on('data', (m: ConnectResponse) => {
    if (m.body?.$case === 'ack') acks.push(m.body.value.upToSeq);
  });
  stream.on('error', () => {});
  stream.write({
    body: {
      $case: 'hello',
      value: { name, labels: {}, os: 'linux', agentVersion: 'test', configRevision: 0, hostname: name },
    },
  });
  closers.push(() => stream.cancel());
  return { acks, send: (body: ConnectRequest['body']) => stream.write({ body }) };
}

describe('GET /metrics', { timeout: 30_000 }, () => {
  it('needs a viewer token', async () => {
    expect((await scrapeResponse(base, '')).status).toBe(401);
    expect((await scrapeResponse(base, 'pwt_not-a-token')).status).toBe(401);
    const response = await scrapeResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts results, batches and their ack latency as batches are acknowledged', async () => {
    const before = await scrape();
    const ingested = sampleValue(before, 'portwarden_results_ingested_total') ?? 0;
    const batches = sampleValue(before, 'portwarden_result_batches_total') ?? 0;
    const acked = sampleValue(before, 'portwarden_ack_latency_seconds') ?? 0;

    const agent = agentStream('metrics-1');
    agent.send(result(1));
    agent.send(result(2));
    await until('seq 2 acked', () => agent.acks.includes(2));

    const after = await scrape();
    expect(sampleValue(after, 'portwarden_results_ingested_total')).toBe(ingested + 2);
    expect(sampleValue(after, 'portwarden_result_batches_total')).toBe(batches + 2);
    expect(sampleValue(after, 'portwarden_ack_latency_seconds')).toBe(acked + 2);
    expect(after.get('portwarden_ack_latency_seconds')!.type).toBe('histogram');
    expect(sampleValue(after, 'portwarden_agents_connected')).toBe(1);
  });

  it('reads open incidents, the notification log and the relay backlog from PostgreSQL', async () => {
    await insertOutboxEvent(sql, { channels: [{ log: {} }] });
    // The relay hands the event on and the log channel sends it: the log has a sent row.
    const families = await until('the notification sent', async () => {
      const scraped = await scrape();
      return sampleValue(scraped, 'portwarden_notifications', { channel_kind: 'log', status: 'sent' })
        ? scraped
        : undefined;
    });
    expect(sampleValue(families, 'portwarden_incidents_open', { state: 'firing', reason: 'refused' })).toBe(
      1,
    );
    expect(sampleValue(families, 'portwarden_relay_backlog')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'portwarden_relay_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'portwarden_database_scrape_up')).toBe(1);
    await until('PostgreSQL and Redis probed', async () => {
      const scraped = await scrape();
      return (
        sampleValue(scraped, 'portwarden_dependency_ready', { dependency: 'postgres' }) === 1 &&
        sampleValue(scraped, 'portwarden_dependency_ready', { dependency: 'redis' }) === 1
      );
    });
    expect(sampleValue(await scrape(), 'portwarden_ready')).toBe(1);
  });

  it('names every metric by Prometheus conventions, with process metrics beside them', async () => {
    const families = await scrape();
    const problems = [...families.values()]
      .map((family) => [family.name, namingProblem(family)])
      .filter(([, problem]) => problem);
    expect(problems).toEqual([]);
    expect([...families.keys()].filter((name) => name.startsWith('portwarden_')).sort()).toEqual([
      'portwarden_ack_latency_seconds',
      'portwarden_agents_connected',
      'portwarden_database_scrape_up',
      'portwarden_dependency_ready',
      'portwarden_incidents_open',
      'portwarden_notifications',
      'portwarden_ready',
      'portwarden_relay_backlog',
      'portwarden_relay_oldest_pending_age_seconds',
      'portwarden_result_batches_total',
      'portwarden_results_ingested_total',
    ]);
    expect(families.has('process_cpu_seconds_total')).toBe(true);
    expect(families.has('nodejs_heap_size_used_bytes')).toBe(true);
  });
});

describe('--metrics-public', { timeout: 30_000 }, () => {
  it('serves /metrics without a token, and a scrape answers when PostgreSQL does not', async () => {
    const proxy = await new CutProxy(Number(new URL(db.url).port)).start();
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const open = testController(url.toString(), { metricsPublic: true });
    try {
      const started = await open.start();
      expect((await scrapeResponse(started.httpUrl, '')).status).toBe(200);
      expect(sampleValue(await scrape(started.httpUrl, ''), 'portwarden_database_scrape_up')).toBe(1);

      proxy.stall();
      const at = performance.now();
      const families = await scrape(started.httpUrl, '');
      expect(performance.now() - at).toBeLessThan(DATABASE_SCRAPE_TIMEOUT_MS + 1_000);
      expect(sampleValue(families, 'portwarden_database_scrape_up')).toBe(0);
      // What PostgreSQL would have said is absent, not 0; the rest is there.
      expect(families.has('portwarden_relay_backlog')).toBe(true);
      expect(families.get('portwarden_relay_backlog')!.samples).toEqual([]);
      expect(sampleValue(families, 'portwarden_agents_connected')).toBe(0);
      // Its own registry: the results the other controller of this process ingested are not here.
      expect(sampleValue(families, 'portwarden_results_ingested_total')).toBe(0);
      expect(sampleValue(families, 'portwarden_dependency_ready', { dependency: 'redis' })).toBeUndefined();
    } finally {
      await proxy.close();
      await open.stop();
    }
  });
});
