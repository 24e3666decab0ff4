import type { Sql, TransactionSql } from './db.js';
import type {
  IncomingResult,
  IngestStore,
  IngestTransaction,
  ResponseRecord,
  StoredCheckState,
} from '../ingest/types.js';
import { incidentBook } from './incidents.js';

export function createIngestStore(sql: Sql): IngestStore {
  return {
    transaction: (work) => sql.begin((tx) => work(ingestTransaction(tx))) as never,
  };
}

export function ingestTransaction(tx: TransactionSql): IngestTransaction {
  return {
    ...incidentBook(tx),

    async insertResults(agentId, results) {
      if (results.length === 0) return new Set();
      const rows = results.map((r) => resultRow(tx, agentId, r));
      const inserted = await tx<{ seq: number }[]>`
        INSERT INTO results ${tx(rows)} ON CONFLICT DO NOTHING RETURNING seq`;
      return new Set(inserted.map((r) => r.seq));
    },

    async lockStates(agentId, checkIds) {
      const rows = await tx<StateRow[]>`
        SELECT s.check_id, s.outcome, s.consecutive_failures, s.consecutive_successes, s.since, s.last_seq,
               s.incident_id, s.incident_id IS NOT NULL AS incident_open,
               coalesce(i.firing_told, true) AS firing_told, s.flap_changes, s.flapping_since
        FROM check_state s LEFT JOIN incidents i ON i.id = s.incident_id
        WHERE s.agent_id = ${agentId} AND s.check_id = ANY(${checkIds}::text[])
        ORDER BY s.check_id FOR UPDATE OF s`;
      return new Map(
        rows.map(({ checkId, flapChanges, flappingSince, ...state }) => [
          checkId,
          { ...state, flap: { changes: flapChanges, flappingSince } },
        ]),
      );
    },

    async saveState(agentId, checkId, state, last) {
      await tx`
        INSERT INTO check_state (agent_id, check_id, outcome, consecutive_failures, consecutive_successes, since,
                                 last_seq, last_result_at, reason, detail, incident_id, flap_changes,
                                 flapping_since)
        VALUES (${agentId}, ${checkId}, ${state.outcome}, ${state.consecutiveFailures},
                ${state.consecutiveSuccesses}, ${state.since}, ${state.lastSeq}, ${last.startedAt},
                ${last.reason}, ${last.detail}, ${state.incidentId},
                ${state.flap.changes.map((t) => t.toISOString())}::timestamptz[], ${state.flap.flappingSince})
        ON CONFLICT (agent_id, check_id) DO UPDATE SET
          outcome = EXCLUDED.outcome, consecutive_failures = EXCLUDED.consecutive_failures,
          consecutive_successes = EXCLUDED.consecutive_successes,
          since = EXCLUDED.since, last_seq = EXCLUDED.last_seq, last_result_at = EXCLUDED.last_result_at,
          reason = EXCLUDED.reason, detail = EXCLUDED.detail, incident_id = EXCLUDED.incident_id,
          flap_changes = EXCLUDED.flap_changes, flapping_since = EXCLUDED.flapping_since`;
    },

    async recordResponse(agentId, record: ResponseRecord) {
      const { report } = record;
      await tx`
        INSERT INTO responses (agent_id, seq, check_id, check_name, started_at, verdict, trigger, attempts,
                               outcome, reason, detail, incident_id)
        VALUES (${agentId}, ${record.seq}, ${record.checkId}, ${record.checkName}, ${record.startedAt},
                ${report.verdict}, ${tx.json(report.trigger as never)}, ${tx.json(report.attempts as never)},
                ${record.outcome}, ${record.reason}, ${record.detail}, ${record.incidentId})
        ON CONFLICT (agent_id, seq) DO NOTHING`;
    },
  };
}

type StateRow = Omit<StoredCheckState, 'flap'> & {
  checkId: string;
  flapChanges: Date[];
  flappingSince: Date | null;
};

function resultRow(tx: TransactionSql, agentId: number, r: IncomingResult) {
  return {
    agent_id: agentId,
    seq: r.seq,
    check_id: r.checkId,
    started_at: r.startedAt,
    duration_ms: r.durationMs,
    outcome: r.outcome,
    reason: r.reason,
    detail: r.detail,
    timings: r.timings,
    // As JSON explicitly: an array would otherwise be sent as a PostgreSQL array.
    transcript: r.transcript ? tx.json(r.transcript as never) : null,
    firewall: r.firewall ? tx.json(r.firewall as never) : null,
  };
}
