import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@portwarden/common/testing';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/**
 * gRPC max_connection_age: the controller closes each agent connection after a while (GOAWAY,
 * then a grace, then the cut) so that agents spread again over replicas. Here every second: the
 * agent reconnects each time and resends what was not acknowledged; every seq is stored once.
 */
describe('agent connections aged out by the controller', () => {
  const fleet = new Fleet({
    redis: false,
    controller: { grpcMaxConnectionAgeMs: 1_000, grpcMaxConnectionAgeGraceMs: 300 },
  });
  const service = new FlakyService();
  let sql: postgres.Sql;
  let lastSeq = 0;
  let connects = 0;

  beforeAll(async () => {
    await Promise.all([fleet.start(), service.start()]);
    sql = postgres(fleet.db.url, { max: 1 });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: fast, port: ${service.port}, interval: 100ms, timeout: 500ms, alertGroup: ops }]
`);
  });

  afterAll(async () => {
    await sql?.end();
    await fleet.stop();
    await service.stop();
  });

  it('reconnects after each one, losing no result and storing none twice', async () => {
    const agent = await fleet.addAgent('aged-1', {}, (r) => (lastSeq = r.seq), {
      onConnect: () => (connects += 1),
    });
    await until('three connections aged out', () => connects >= 4, 20_000);
    await agent.stop();
    const [row] = await sql<{ rows: number; seqs: number; min: number; max: number }[]>`
      SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS seqs, min(seq)::int AS min, max(seq)::int AS max
      FROM results`;
    expect(lastSeq).toBeGreaterThan(10);
    expect(row).toEqual({ rows: lastSeq, seqs: lastSeq, min: 1, max: lastSeq });
  });
});
