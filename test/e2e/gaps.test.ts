import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { openSpool, type GapReport } from '@portwarden/agent/spool/spool';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** Room for a few dozen results: the spool overflows within seconds while the controller is away. */
const SPOOL_MAX_BYTES = 8 * 1024;

/**
 * A tiny spool overflows while the controller is down; the agent drops the oldest results,
 * counts them, and once the controller is back it reports the gap. The controller shows exactly
 * that count: every seq the agent ever numbered is either stored or counted as dropped, once.
 */
describe('gap reports', () => {
  const fleet = new Fleet({ redis: false });
  const service = new FlakyService();
  const results: SpooledResult[] = [];
  let sql: postgres.Sql;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: fast, port: ${service.port}, interval: 100ms, timeout: 500ms, alertGroup: ops }
  - { name: slow, port: ${service.port}, interval: 300ms, timeout: 500ms, alertGroup: ops }
`);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  const stored = async () =>
    (
      await sql<{ rows: number; max: number | null }[]>`
      SELECT count(*)::int AS rows, max(r.seq)::int AS max FROM results r JOIN agents a ON a.id = r.agent_id
      WHERE a.name = 'gappy'`
    )[0]!;

  /** What the agent's own spool says it dropped, read from its state directory. */
  async function spoolGaps(dir: string): Promise<{ gaps: GapReport[]; lastSeq: number }> {
    const spool = await openSpool({ dir, maxBytes: SPOOL_MAX_BYTES });
    const seen = { gaps: spool.gaps(), lastSeq: spool.lastSeq };
    await spool.close();
    return seen;
  }

  it('reaches the controller with its exact count', { timeout: 60_000 }, async () => {
    const agent = await fleet.addAgent('gappy', {}, (r) => results.push(r), {
      spoolMaxBytes: SPOOL_MAX_BYTES,
    });
    await until('first results stored', async () => (await stored()).rows >= 3);

    // The controller goes away; the agent keeps probing into a spool that holds a few dozen results.
    await fleet.controller.stop();
    const downAt = results.length;
    await until('the spool to overflow', () => results.length >= downAt + 120, 30_000);
    await agent.stop();
    const dir = fleet.stateDir('gappy')!;
    const { gaps, lastSeq } = await spoolGaps(dir);
    const dropped = gaps.reduce((sum, g) => sum + g.dropped, 0);
    const byCheck: Record<string, number> = {};
    for (const gap of gaps)
      for (const [check, count] of Object.entries(gap.byCheck))
        byCheck[check] = (byCheck[check] ?? 0) + count;
    expect(dropped).toBeGreaterThan(0);
    expect(Object.keys(byCheck).sort()).toEqual(['fast', 'slow']);

    // Back, with a policy that gives this agent nothing more to run, and no cached config: the
    // agent numbers no new result, so the counts must add up exactly.
    await fleet.startController();
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: fast, port: ${service.port}, alertGroup: ops, agents: { role: none } }]
`);
    await rm(join(dir, 'config.json'));
    await fleet.addAgent('gappy', {}, undefined, { spoolMaxBytes: SPOOL_MAX_BYTES });

    const agentRow = async () =>
      (await fleet.api<{ agents: { name: string; dropped: number }[] }>('/api/v1/agents')).agents.find(
        (a) => a.name === 'gappy',
      );
    await until('the gap to be recorded', async () => (await agentRow())?.dropped === dropped);
    await until('every kept result to be stored', async () => (await stored()).max === lastSeq);
    expect((await stored()).rows + dropped).toBe(lastSeq);

    const { gaps: shown } = await fleet.api<{ gaps: GapReport[] }>('/api/v1/gaps?agent=gappy');
    expect(shown.map((g) => g.id).sort((a, b) => a - b)).toEqual(gaps.map((g) => g.id));
    const shownByCheck: Record<string, number> = {};
    for (const gap of shown)
      for (const [check, count] of Object.entries(gap.byCheck))
        shownByCheck[check] = (shownByCheck[check] ?? 0) + count;
    expect(shownByCheck).toEqual(byCheck);

    // The controller acknowledged the reports: the agent has forgotten them, and sends them no more.
    await until('the reports acknowledged', async () => {
      await fleet.agents.at(-1)!.stop();
      const left = (await spoolGaps(dir)).gaps;
      if (left.length > 0) await fleet.addAgent('gappy', {}, undefined, { spoolMaxBytes: SPOOL_MAX_BYTES });
      return left.length === 0;
    });
    expect((await agentRow())?.dropped).toBe(dropped);
  });
});
