import { once } from 'node:events';
import postgres from 'postgres';

/** PostgreSQL's own rates on this machine for a table shaped as `results`: the bench's baseline. */
export interface PgBaseline {
  insertRowsPerSecond: number;
  insertRows: number;
  copyRowsPerSecond: number;
  copyRows: number;
}

/** `results` of migration 0001 (+ transcript, firewall), without the foreign key to agents. */
const TABLE = `
  CREATE TABLE bench_results (
    agent_id bigint NOT NULL, seq bigint NOT NULL, check_id text NOT NULL,
    started_at timestamptz NOT NULL, duration_ms integer NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('up', 'down')),
    reason text NOT NULL DEFAULT '', detail text NOT NULL DEFAULT '', timings jsonb,
    received_at timestamptz NOT NULL DEFAULT now(), transcript jsonb, firewall jsonb,
    PRIMARY KEY (agent_id, seq)
  );
  CREATE INDEX bench_results_check_started ON bench_results (agent_id, check_id, started_at DESC);`;

const AGENTS = 1000;
const TIMINGS = '{"dnsMs":0,"connectMs":1,"tlsMs":0,"firstByteMs":0,"totalMs":1}';

/**
 * Multi-row INSERTs of 1000 rows per statement (each its own transaction, synchronous commit as
 * the server has it) for `seconds`, then one `COPY … FROM STDIN` of as many rows as the INSERTs
 * managed in that time, at least 200,000, in a database of its own (`url`).
 */
export async function measurePgBaseline(url: string, seconds = 5): Promise<PgBaseline> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(TABLE);
    let seq = 0;
    const row = () => {
      seq++;
      return {
        agent_id: (seq % AGENTS) + 1,
        seq,
        check_id: `sim-check-${String((seq % 25) + 1).padStart(3, '0')}`,
        started_at: new Date(),
        duration_ms: 1,
        outcome: 'up',
        reason: '',
        detail: '',
        timings: TIMINGS,
      };
    };
    const t0 = performance.now();
    let inserted = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const rows = Array.from({ length: 1000 }, row);
      await sql`INSERT INTO bench_results ${sql(rows)}`;
      inserted += rows.length;
    }
    const insertMs = performance.now() - t0;

    const copyRows = Math.max(200_000, inserted);
    const stream =
      await sql`COPY bench_results (agent_id, seq, check_id, started_at, duration_ms, outcome, reason, detail, timings) FROM STDIN`.writable();
    const t1 = performance.now();
    const startedAt = new Date().toISOString();
    for (let i = 0; i < copyRows; i++) {
      seq++;
      const line = `${(seq % AGENTS) + 1}\t${seq}\tsim-check-${String((seq % 25) + 1).padStart(3, '0')}\t${startedAt}\t1\tup\t\t\t${TIMINGS}\n`;
      if (!stream.write(line)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    const copyMs = performance.now() - t1;
    return {
      insertRows: inserted,
      insertRowsPerSecond: (inserted * 1000) / insertMs,
      copyRows,
      copyRowsPerSecond: (copyRows * 1000) / copyMs,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
