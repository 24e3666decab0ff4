import type { Fleet } from '@portwarden/sim/fleet';
import postgres from 'postgres';

/** What the acks did over a stretch of time. */
export interface AckStretch {
  ms: number;
  acked: number;
  perSecond: number;
  /** The longest time without a single ack of the fleet's, and when it began (performance.now()). */
  longestPauseMs: number;
  pauseFrom: number;
  /** Streams that ended meanwhile. */
  streamEnds: number;
}

/**
 * Watches the fleet's acknowledged count every 10 ms: its rate, and its longest pause (no ack at
 * all anywhere in the fleet). At thousands of results/s an ack comes every millisecond or so, so
 * a pause is the controller (or PostgreSQL) not acknowledging, to within the 10 ms of the sample.
 */
export class AckWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = performance.now();
  private readonly acked0: number;
  private readonly ends0: number;
  private last: number;
  private lastChangeAt = this.t0;
  private longest = 0;
  private longestFrom = this.t0;

  constructor(private readonly fleet: Fleet) {
    this.acked0 = this.last = fleet.counters.acked;
    this.ends0 = fleet.counters.streamErrors;
    this.timer = setInterval(() => this.sample(), 10);
  }

  stop(): AckStretch {
    clearInterval(this.timer);
    this.sample();
    const now = performance.now();
    // A pause still going on at the end counts too.
    if (now - this.lastChangeAt > this.longest) {
      this.longest = now - this.lastChangeAt;
      this.longestFrom = this.lastChangeAt;
    }
    const ms = now - this.t0;
    const acked = this.fleet.counters.acked - this.acked0;
    return {
      ms,
      acked,
      perSecond: (acked * 1000) / ms,
      longestPauseMs: this.longest,
      pauseFrom: this.longestFrom,
      streamEnds: this.fleet.counters.streamErrors - this.ends0,
    };
  }

  private sample(): void {
    const acked = this.fleet.counters.acked;
    if (acked === this.last) return;
    const now = performance.now();
    if (now - this.lastChangeAt > this.longest) {
      this.longest = now - this.lastChangeAt;
      this.longestFrom = this.lastChangeAt;
    }
    this.last = acked;
    this.lastChangeAt = now;
  }
}

/** Whether every agent has a config on its current stream. */
export function everyAgentConfigured(fleet: Fleet): boolean {
  return fleet.agents.every((agent) => agent.configuredAt !== undefined);
}

/**
 * Per agent whose stream ended at or after `since`: from `since` to its config on the next stream
 * (ms), and the hello → config of that stream alone. Agents still without a config are left out
 * (the caller counts them).
 */
export function reconfigured(fleet: Fleet, since: number): { afterFault: number[]; helloToConfig: number[] } {
  const afterFault: number[] = [];
  const helloToConfig: number[] = [];
  for (const agent of fleet.agents) {
    if (agent.endedAt === undefined || agent.endedAt < since || agent.configuredAt === undefined) continue;
    afterFault.push(agent.configuredAt - since);
    helloToConfig.push(agent.configuredAt - agent.helloAt!);
  }
  return { afterFault, helloToConfig };
}

/** What `results` holds of the fleet, against the seqs each agent produced (1..lastSeq). */
export interface Integrity {
  offered: number;
  rows: number;
  missing: number;
  doubled: number;
  /** Rows with a seq the agent never produced (must be 0). */
  unknown: number;
  /** Agents with any of the three. */
  agentsWrong: string[];
}

/**
 * Counts the fleet's rows in `results` per agent against the seqs it produced (1..lastSeq):
 * seqs without a row (missing), rows beyond one per seq (doubled), seqs it never made (unknown).
 */
export async function checkIntegrity(databaseUrl: string, fleet: Fleet): Promise<Integrity> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const produced = JSON.stringify(fleet.agents.map((a) => ({ name: a.name, last_seq: a.lastSeq })));
    const rows = await sql<{ name: string; rows: number; seqs: number; unknown: number }[]>`
      WITH fleet AS (
        SELECT * FROM jsonb_to_recordset(${produced}::text::jsonb) AS f (name text, last_seq bigint)
      )
      SELECT f.name,
        count(r.seq) FILTER (WHERE r.seq BETWEEN 1 AND f.last_seq)::int AS rows,
        count(DISTINCT r.seq) FILTER (WHERE r.seq BETWEEN 1 AND f.last_seq)::int AS seqs,
        count(r.seq) FILTER (WHERE r.seq NOT BETWEEN 1 AND f.last_seq)::int AS unknown
      FROM fleet f
      LEFT JOIN agents a ON a.name = f.name
      LEFT JOIN results r ON r.agent_id = a.id
      GROUP BY f.name`;
    const stored = new Map(rows.map((r) => [r.name, r]));
    const result: Integrity = { offered: 0, rows: 0, missing: 0, doubled: 0, unknown: 0, agentsWrong: [] };
    for (const agent of fleet.agents) {
      const row = stored.get(agent.name) ?? { rows: 0, seqs: 0, unknown: 0 };
      const missing = agent.lastSeq - row.seqs;
      const doubled = row.rows - row.seqs;
      result.offered += agent.lastSeq;
      result.rows += row.rows + row.unknown;
      result.missing += missing;
      result.doubled += doubled;
      result.unknown += row.unknown;
      if (missing !== 0 || doubled !== 0 || row.unknown !== 0) result.agentsWrong.push(agent.name);
    }
    return result;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
