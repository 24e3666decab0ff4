import { LIVENESS_CHECK_ID } from '../state/event.js';
import type { LivenessAgent, LivenessStore, OpenLiveness } from '../liveness/monitor.js';
import type { Sql, TransactionSql } from './db.js';
import { epochMsArray, numberArray } from './array-literal.js';
import { incidentBook } from './incidents.js';

/** Agent silence, on the same incident rows and outbox as check failures. SQL only: liveness/ decides. */
export function createLivenessStore(sql: Sql): LivenessStore {
  return {
    transaction: (work) =>
      sql.begin((tx) =>
        work({
          ...incidentBook(tx),

          async quietAgents(cutoff) {
            return tx<LivenessAgent[]>`
              SELECT a.id, a.name, a.hostname, a.labels, a.last_seen_at FROM agents a
              WHERE a.last_seen_at < ${cutoff}
                AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.agent_id = a.id
                                AND i.check_id = ${LIVENESS_CHECK_ID} AND i.resolved_at IS NULL)
              ORDER BY a.id FOR UPDATE OF a SKIP LOCKED`;
          },

          async heard(agentId, at) {
            // Never back: another replica (or a later heartbeat) may have written a newer time.
            await tx`UPDATE agents SET last_seen_at = GREATEST(last_seen_at, ${at}::timestamptz) WHERE id = ${agentId}`;
            const [open] = await openLiveness(tx, [agentId]);
            return open;
          },

          async heardMany(seen, slackMs) {
            const ids = seen.map((s) => s.agentId);
            // Whole columns built once (array-literal.ts): up to every agent of the replica at a time.
            const atMs = epochMsArray(seen.map((s) => s.at));
            // A row already within the slack is left alone: no new row version for every heartbeat.
            await tx`
              UPDATE agents a SET last_seen_at = v.at
              FROM (SELECT id, to_timestamp(ms / 1000.0) AS at
                    FROM unnest(${numberArray(ids)}::bigint[], ${atMs}::bigint[]) AS r(id, ms)) AS v
              WHERE a.id = v.id
                AND (a.last_seen_at IS NULL OR a.last_seen_at < v.at - ${slackMs} * interval '1 millisecond')`;
            return openLiveness(tx, ids);
          },
        }),
      ) as never,
  };
}

/** The open "agent unreachable" incidents of these agents, locked. */
async function openLiveness(tx: TransactionSql, agentIds: number[]): Promise<OpenLiveness[]> {
  const rows = await tx<(LivenessAgent & { incidentId: number; openedAt: Date })[]>`
    SELECT i.id AS incident_id, i.opened_at, a.id, a.name, a.hostname, a.labels, a.last_seen_at
    FROM incidents i JOIN agents a ON a.id = i.agent_id
    WHERE i.agent_id = ANY(${numberArray(agentIds)}::bigint[]) AND i.check_id = ${LIVENESS_CHECK_ID} AND i.resolved_at IS NULL
    ORDER BY i.id FOR UPDATE OF i`;
  return rows.map(({ incidentId, openedAt, ...agent }) => ({ incidentId, openedAt, agent }));
}
