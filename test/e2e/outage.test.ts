import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** The issue asks for a minute; PORTWARDEN_TEST_OUTAGE_SECONDS shortens it while developing. */
const OUTAGE_MS = Number(process.env.PORTWARDEN_TEST_OUTAGE_SECONDS ?? 60) * 1000;

describe('monitoring while the controller is away', () => {
  const fleet = new Fleet({ redis: false });
  const service = new FlakyService();
  let sql: postgres.Sql;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1 });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: steady, port: ${service.port}, interval: 250ms, timeout: 500ms, alertGroup: ops }]
`);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  /** Seqs in the order the controller committed them (received_at is the commit's transaction time). */
  const arrivalOrder = async () =>
    (await sql<{ seq: number }[]>`SELECT seq::int FROM results ORDER BY received_at, seq`).map((r) => r.seq);

  it(
    `keeps probing for ${OUTAGE_MS / 1000} s without a controller, then delivers every result once, in order`,
    { timeout: OUTAGE_MS + 60_000 },
    async () => {
      const results: SpooledResult[] = [];
      await fleet.addAgent('offline-1', {}, (r) => results.push(r));
      await until('first results stored', async () => (await arrivalOrder()).length >= 3);
      await fleet.controller.stop();
      const downAt = results.length;
      const outage = Date.now();
      // The outage lasts as long as the issue says; the agent keeps probing all along.
      await until('the outage to last', () => Date.now() - outage >= OUTAGE_MS, OUTAGE_MS + 5_000, 250);
      const probedWhileDown = results.length - downAt;
      expect(probedWhileDown).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 250) - 8);

      await fleet.startController();
      const last = results.at(-1)!.seq;
      await until('everything spooled to arrive', async () => (await arrivalOrder()).includes(last), 30_000);
      const order = (await arrivalOrder()).filter((seq) => seq <= last);
      expect(order).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    },
  );

  it('starts from its cached config when restarted while the controller is unreachable', async () => {
    const [agent] = fleet.agents;
    const revision = agent!.configRevision;
    expect(revision).toBeGreaterThan(0);
    await fleet.controller.stop();
    await agent!.stop();
    fleet.agents.length = 0;

    const results: SpooledResult[] = [];
    let cached = 0;
    const restarted = await fleet.addAgent('offline-1', {}, (r) => results.push(r), {
      onConfig: (rev) => (cached = rev),
    });
    expect(cached).toBe(revision);
    await until('probing from the cached config', () => results.length >= 3);
    expect(restarted.connected).toBe(false);
    expect(results.every((r) => r.checkId === 'steady')).toBe(true);
    await fleet.startController();
  });
});
