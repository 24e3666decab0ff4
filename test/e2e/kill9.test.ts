import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpool } from '@portwarden/agent/spool/spool';
import { until } from '@portwarden/common/testing';
import { AgentProcess } from '../support/agent-process.js';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

const KILLS = 20;

/**
 * The worst day for the spool: a real agent process probing every 100 ms is killed with SIGKILL
 * at random moments while results flow. Afterwards every seq from the first to the last is stored
 * exactly once, and a clean final stop leaves nothing acknowledged in the spool.
 */
describe('agent killed with SIGKILL, again and again', () => {
  const fleet = new Fleet({ redis: false });
  const service = new FlakyService();
  let sql: postgres.Sql;
  let stateDir: string;

  const policy = (enabled: boolean) => `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: fast, port: ${service.port}, interval: 100ms, timeout: 500ms, alertGroup: ops, enabled: ${enabled} }]
`;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1 });
    stateDir = await mkdtemp(join(tmpdir(), 'pw-kill9-'));
    await fleet.controller.applyPolicy(policy(true));
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  const stored = async () => {
    const [row] = await sql<{ rows: number; min: number | null; max: number | null }[]>`
      SELECT count(*)::int AS rows, min(seq)::int AS min, max(seq)::int AS max FROM results`;
    return { rows: row!.rows, min: row!.min ?? 0, max: row!.max ?? 0 };
  };

  const agent = () => new AgentProcess({ controller: fleet.grpcAddress, name: 'victim', stateDir });

  it(`keeps every result exactly once across ${KILLS} kills`, async () => {
    for (let kill = 0; kill < KILLS; kill++) {
      const process = agent().start();
      const before = (await stored()).max;
      // A random moment while results flow: after 1 to 6 more results have been committed.
      const more = 1 + Math.floor(Math.random() * 6);
      await until(`results after restart ${kill}`, async () => (await stored()).max >= before + more, 30_000);
      await process.kill();
    }

    // The last run: no new results, everything delivered, then a clean stop.
    const { revision } = await fleet.controller.applyPolicy(policy(false));
    const last = agent().start();
    await until('the agent to run the policy without the check', async () => {
      const { agents } = await fleet.api<{
        agents: { name: string; configRevision: number; connected: boolean }[];
      }>('/api/v1/agents');
      return agents.find((a) => a.name === 'victim' && a.configRevision === revision && a.connected);
    });
    expect(await last.stop()).toBe(0);

    const final = await stored();
    expect(final.min).toBe(1);
    expect(final.rows).toBe(final.max);
    const spool = await openSpool({ dir: stateDir });
    try {
      expect(spool.lastSeq).toBe(final.max);
      expect(spool.pending()).toEqual([]);
    } finally {
      await spool.close();
    }
  });
});
