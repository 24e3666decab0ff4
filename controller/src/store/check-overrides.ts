import type { Sql } from './db.js';

/** A check disabled at run time on one agent (`agent`), or on every agent (`agent` null). */
export interface CheckOverride {
  checkId: string;
  agent: string | null;
  /** The API token's name. */
  by: string;
  at: Date;
  comment: string | null;
}

/** The check_overrides table (migration 0013). */
export function createCheckOverrideStore(sql: Sql) {
  const columns = sql`check_id, agent_name AS agent, disabled_by AS by, disabled_at AS at, comment`;
  /** Writes the override unless one for the same (check, agent) exists; resolves to the one in force. */
  const disable = async (override: CheckOverride): Promise<{ override: CheckOverride; created: boolean }> => {
    const [created] = await sql<CheckOverride[]>`
        INSERT INTO check_overrides (check_id, agent_name, disabled_by, disabled_at, comment)
        VALUES (${override.checkId}, ${override.agent}, ${override.by}, ${override.at}, ${override.comment})
        ON CONFLICT (check_id, agent_name) DO NOTHING
        RETURNING ${columns}`;
    if (created) return { override: created, created: true };
    const [existing] = await sql<CheckOverride[]>`
        SELECT ${columns}
        FROM check_overrides
        WHERE check_id = ${override.checkId} AND agent_name IS NOT DISTINCT FROM ${override.agent}`;
    // Deleted between the two statements by an enable: write it again, as asked.
    return existing ? { override: existing, created: false } : disable(override);
  };

  return {
    disable,

    /** Every override, oldest first. */
    list: () => sql<CheckOverride[]>`
      SELECT ${columns}
      FROM check_overrides ORDER BY disabled_at, id`,

    /** Deletes the overrides of the check on these agents (null: the all-agents one); how many went. */
    async enable(checkId: string, agents: (string | null)[]): Promise<number> {
      const named = agents.filter((a): a is string => a !== null);
      const all = agents.includes(null);
      const deleted = await sql`
        DELETE FROM check_overrides
        WHERE check_id = ${checkId} AND (agent_name = ANY(${named}::text[]) OR (${all} AND agent_name IS NULL))`;
      return deleted.count;
    },
  };
}
