import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { TEST_PG_URL } from '@portwarden/controller/testing';
import { CutProxy } from '../support/cut-proxy.js';
import { Fleet } from '../support/fleet.js';

/** Liveness window of the test: three windows of database cut, well past what used to page. */
const SILENCE_MS = 1500;
const CUT_MS = 3 * SILENCE_MS;
/** Three heartbeats to a window, as the defaults have (10 s and 30 s). */
const HEARTBEAT_MS = SILENCE_MS / 3;

/**
 * A PostgreSQL cut at the controller must not page the fleet: the agents kept talking to the
 * controller all along (or tried to), so liveness judges what the controller saw of them, and waits
 * a full window after its store answers again before it judges anyone.
 */
describe('a database blip at the controller', () => {
  const proxy = new CutProxy(Number(new URL(TEST_PG_URL).port || 5432));
  let fleet: Fleet;
  let sql: postgres.Sql;
  /** Streams each agent opened. */
  const streams = new Map<string, number>();

  beforeAll(async () => {
    await proxy.start();
    fleet = new Fleet({ redis: false, dbPort: proxy.port, controller: { livenessIntervalMs: 100 } });
    await fleet.start();
    sql = postgres(fleet.db.url, { max: 1 });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
liveness: { after: ${SILENCE_MS}ms, alertGroup: ops }
checks: []
`);
    for (const name of ['blip-1', 'blip-2', 'blip-3', 'leaver'])
      await fleet.addAgent(name, {}, undefined, {
        heartbeatMs: HEARTBEAT_MS,
        // An agent that lost its stream tries again within a window, as with the defaults (at most
        // 30 s, a 30 s window); always after 1 s here, so that the run is the same every time.
        reconnect: { initialMs: 1000, maxMs: 1000, random: () => 1 },
        onConnect: () => streams.set(name, (streams.get(name) ?? 0) + 1),
      });
    // Settled: every agent runs the policy and said so, so that only heartbeats flow during the cut.
    await until('every agent running the policy', async () => (await running()) === 4);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet?.stop();
    await proxy.close();
  });

  const running = async () =>
    (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM agents WHERE config_revision = 1`)[0]!.n;
  const incidents = async () => [
    ...(await sql<{ agent: string; checkId: string }[]>`
      SELECT a.name AS agent, i.check_id AS "checkId" FROM incidents i JOIN agents a ON a.id = i.agent_id ORDER BY i.id`),
  ];

  it('opens no "agent unreachable" incident for agents that kept talking, yet still judges the one that left', async () => {
    await proxy.cut();
    const cutAt = Date.now();
    await until('the cut to last', () => Date.now() - cutAt >= CUT_MS, CUT_MS + 5_000, 100);
    await proxy.restore();
    // The controller's pool dials again within 2 s (postgres.js alone waited up to 20 s, and
    // everything queued behind it: hellos, heartbeats, the liveness pass).
    const restoredAt = Date.now();
    await until(
      'the controller to answer from its store',
      async () => (await fetch(`${fleet.httpUrl}/api/v1/agents`, { headers: fleet.auth })).ok,
      10_000,
      50,
    );
    expect(Date.now() - restoredAt).toBeLessThan(3_000);
    // An agent that really goes away after the blip: its incident shows liveness judging again.
    const leaver = fleet.agents.at(-1)!;
    await leaver.stop();
    await until('the leaver judged unreachable', async () => (await incidents()).length > 0, 30_000, 100);
    expect(await incidents()).toEqual([{ agent: 'leaver', checkId: '@liveness' }]);
    // Heartbeats need no store: the agents kept the streams they had before the cut.
    expect(Object.fromEntries(streams)).toEqual({ 'blip-1': 1, 'blip-2': 1, 'blip-3': 1, leaver: 1 });
  });
});
