import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpooledResult } from '@portwarden/agent/agent';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** Restart the controller while the agent keeps probing: no result is lost, none is stored twice. */
describe('controller restart', () => {
  const fleet = new Fleet({ redis: true });
  const service = new FlakyService();
  const results: SpooledResult[] = [];
  let sql: postgres.Sql;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1 });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks:
  - { name: fast, port: ${service.port}, interval: 200ms, timeout: 500ms, alertGroup: ops }
  - { name: slow, port: ${service.port}, interval: 1s, timeout: 500ms, alertGroup: ops }
`);
    await fleet.addAgent('replayer', {}, (r) => results.push(r));
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  const storedRows = async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM results`;
    return row!.n;
  };

  it('keeps every result across the restart, exactly once', async () => {
    await until('results stored', async () => (await storedRows()) >= 5);
    await fleet.controller.stop();
    const whileDown = results.length;
    // The agent keeps probing while no controller answers.
    await until('results produced while the controller is down', () => results.length >= whileDown + 8);
    await fleet.startController();
    await until('results produced after the restart', () => results.length >= whileDown + 14);
    const last = results.at(-1)!.seq;
    expect(results.map((r) => r.seq).slice(0, last)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    // Everything up to `last` reaches the database, each exactly once.
    const upTo = async () => {
      const [row] = await sql<{ rows: number; distinct: number; max: number | null }[]>`
        SELECT count(*)::int AS rows, count(DISTINCT r.seq)::int AS distinct, max(r.seq)::int AS max
        FROM results r JOIN agents a ON a.id = r.agent_id WHERE a.name = 'replayer' AND r.seq <= ${last}`;
      return row!;
    };
    await until('every result up to the last one seen to be stored', async () => (await upTo()).max === last);
    expect(await upTo()).toEqual({ rows: last, distinct: last, max: last });
  });
});
