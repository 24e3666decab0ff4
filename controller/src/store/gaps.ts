import type { Sql } from './db.js';

export interface GapRecord {
  id: number;
  fromSeq: number;
  toSeq: number;
  dropped: number;
  byCheck: Record<string, number>;
}

export interface GapRow extends GapRecord {
  agent: string;
  receivedAt: Date;
}

/** Gaps agents reported: results they dropped because their spool was full. */
export function createGapStore(sql: Sql) {
  return {
    /** Idempotent on (agent, id): a report sent again changes nothing. */
    async record(agentId: number, gap: GapRecord): Promise<void> {
      await sql`
        INSERT INTO result_gaps (agent_id, gap_id, from_seq, to_seq, dropped, by_check)
        VALUES (${agentId}, ${gap.id}, ${gap.fromSeq}, ${gap.toSeq}, ${gap.dropped}, ${sql.json(gap.byCheck)})
        ON CONFLICT (agent_id, gap_id) DO NOTHING`;
    },

    /** Newest first; one agent's when `agent` is given. */
    list(agent: string | undefined, limit: number): Promise<GapRow[]> {
      return sql<GapRow[]>`
        SELECT a.name AS agent, g.gap_id AS id, g.from_seq, g.to_seq, g.dropped, g.by_check, g.received_at
        FROM result_gaps g JOIN agents a ON a.id = g.agent_id
        WHERE ${agent === undefined ? sql`true` : sql`a.name = ${agent}`}
        ORDER BY g.received_at DESC, a.name, g.gap_id DESC LIMIT ${limit}`;
    },
  };
}
