import type { Sql, TransactionSql } from './db.js';
import {
  resultKey,
  stateKey,
  type IngestStore,
  type IngestTransaction,
  type ResponseRecord,
  type StoredCheckState,
} from '../ingest/types.js';
import { epochMsArray, jsonArray, jsonDocument, numberArray, textArray } from './array-literal.js';
import { incidentBook } from './incidents.js';

export function createIngestStore(sql: Sql): IngestStore {
  return {
    transaction: (work) => sql.begin((tx) => work(ingestTransaction(tx))) as never,
  };
}

/**
 * Each statement carries whole columns as arrays (unnest): one statement and a fixed number of
 * parameters however many results a group commit holds, where a VALUES list would need 11
 * parameters a row and a new plan for each size. The array literals are built here
 * (array-literal.ts), each parameter cast to its array type in the statement; time columns go
 * as epoch milliseconds and JSON columns as one JSON document each, read in lockstep with the
 * arrays by `ROWS FROM` (in order, nothing sorted) and converted in the select list.
 */
export function ingestTransaction(tx: TransactionSql): IngestTransaction {
  return {
    ...incidentBook(tx),

    async insertResults(rows) {
      if (rows.length === 0) return new Set();
      const r = rows.map((row) => row.result);
      const c = {
        agentId: numberArray(rows.map((row) => row.agentId)),
        seq: numberArray(r.map((x) => x.seq)),
        checkId: textArray(r.map((x) => x.checkId)),
        startedAt: epochMsArray(r.map((x) => x.startedAt)),
        durationMs: numberArray(r.map((x) => x.durationMs)),
        outcome: textArray(r.map((x) => x.outcome)),
        reason: textArray(r.map((x) => x.reason)),
        detail: textArray(r.map((x) => x.detail)),
        timings: jsonDocument(r.map((x) => x.timings)),
        transcript: jsonDocument(r.map((x) => x.transcript)),
        firewall: jsonDocument(r.map((x) => x.firewall)),
      };
      // No conflict target: a replay conflicts on the primary key, whatever columns it spans.
      // Which rows were new comes back only when some were not (a replay): in steady state every
      // row is new, and one row with a count replaces a row per result.
      const [inserted] = await tx<{ stored: number; agentIds: string | null; seqs: string | null }[]>`
        WITH ins AS (
          INSERT INTO results (agent_id, seq, check_id, started_at, duration_ms, outcome, reason, detail,
                               timings, transcript, firewall)
          SELECT agent_id, seq, check_id, to_timestamp(started_ms / 1000.0), duration_ms, outcome, reason,
                 detail, nullif(timings, 'null'), nullif(transcript, 'null'), nullif(firewall, 'null')
          FROM ROWS FROM (unnest(${c.agentId}::bigint[]), unnest(${c.seq}::bigint[]), unnest(${c.checkId}::text[]),
                          unnest(${c.startedAt}::bigint[]), unnest(${c.durationMs}::int[]),
                          unnest(${c.outcome}::text[]), unnest(${c.reason}::text[]), unnest(${c.detail}::text[]),
                          jsonb_array_elements(${c.timings}::text::jsonb),
                          jsonb_array_elements(${c.transcript}::text::jsonb),
                          jsonb_array_elements(${c.firewall}::text::jsonb))
            AS u(agent_id, seq, check_id, started_ms, duration_ms, outcome, reason, detail, timings,
                 transcript, firewall)
          ON CONFLICT DO NOTHING RETURNING agent_id, seq)
        SELECT count(*)::int AS stored,
               CASE WHEN count(*) < ${rows.length} THEN array_to_string(array_agg(agent_id), ',') END AS agent_ids,
               CASE WHEN count(*) < ${rows.length} THEN array_to_string(array_agg(seq), ',') END AS seqs
        FROM ins`;
      if (inserted!.stored === rows.length)
        return new Set(rows.map((row) => resultKey(row.agentId, row.result.seq)));
      const seqs = inserted!.seqs?.split(',') ?? [];
      return new Set(
        (inserted!.agentIds?.split(',') ?? []).map((agentId, i) =>
          resultKey(Number(agentId), Number(seqs[i])),
        ),
      );
    },

    async readStates(keys) {
      if (keys.length === 0) return new Map();
      const agentIds = numberArray(keys.map((k) => k.agentId));
      const checkIds = textArray(keys.map((k) => k.checkId));
      const rows = await tx<StateRow[]>`
        SELECT s.agent_id, s.check_id, s.outcome, s.consecutive_failures, s.consecutive_successes, s.since,
               s.last_seq, s.incident_id, s.incident_id IS NOT NULL AS incident_open,
               coalesce(i.firing_told, true) AS firing_told, s.flap_changes, s.flapping_since
        FROM check_state s LEFT JOIN incidents i ON i.id = s.incident_id
        WHERE (s.agent_id, s.check_id) IN (SELECT * FROM unnest(${agentIds}::bigint[], ${checkIds}::text[]))`;
      return new Map(
        rows.map(({ agentId, checkId, flapChanges, flappingSince, ...state }) => [
          stateKey(agentId, checkId),
          { ...state, flap: { changes: flapChanges, flappingSince } },
        ]),
      );
    },

    async saveStates(saves) {
      if (saves.length === 0) return;
      const c = {
        agentId: numberArray(saves.map((x) => x.agentId)),
        checkId: textArray(saves.map((x) => x.checkId)),
        readSeq: numberArray(saves.map((x) => x.readSeq)),
        outcome: textArray(saves.map((x) => x.state.outcome)),
        consecutiveFailures: numberArray(saves.map((x) => x.state.consecutiveFailures)),
        consecutiveSuccesses: numberArray(saves.map((x) => x.state.consecutiveSuccesses)),
        since: epochMsArray(saves.map((x) => x.state.since)),
        lastSeq: numberArray(saves.map((x) => x.state.lastSeq)),
        lastResultAt: epochMsArray(saves.map((x) => x.last.startedAt)),
        reason: textArray(saves.map((x) => x.last.reason)),
        detail: textArray(saves.map((x) => x.last.detail)),
        incidentId: numberArray(saves.map((x) => x.state.incidentId)),
        // A column of arrays cannot go through unnest (it would flatten them): JSON text instead.
        flapChanges: jsonArray(saves.map((x) => x.state.flap.changes.map((t) => t.toISOString()))),
        flappingSince: epochMsArray(saves.map((x) => x.state.flap.flappingSince)),
      };
      // Optimistic: no row lock at read (one WAL record less per check and result). In-process the
      // group commit keeps an agent in one transaction at a time; another replica (an agent that
      // reconnected there) may have moved a row since. Then that row is not written (an UPDATE
      // re-checks its WHERE on the newer row; an INSERT meets the other's row), the count falls
      // short, and the whole transaction is decided again (group-commit.ts retries).
      const [written] = await tx<{ count: number }[]>`
        WITH u AS (
          SELECT agent_id, check_id, outcome, consecutive_failures, consecutive_successes,
                 to_timestamp(since_ms / 1000.0) AS since, last_seq,
                 to_timestamp(last_result_ms / 1000.0) AS last_result_at, reason, detail, incident_id,
                 flap_changes, to_timestamp(flapping_since_ms / 1000.0) AS flapping_since, read_seq
          FROM unnest(${c.agentId}::bigint[], ${c.checkId}::text[], ${c.outcome}::text[],
                      ${c.consecutiveFailures}::int[], ${c.consecutiveSuccesses}::int[],
                      ${c.since}::bigint[], ${c.lastSeq}::bigint[], ${c.lastResultAt}::bigint[],
                      ${c.reason}::text[], ${c.detail}::text[], ${c.incidentId}::bigint[],
                      ${c.flapChanges}::text[], ${c.flappingSince}::bigint[], ${c.readSeq}::bigint[])
            AS r(agent_id, check_id, outcome, consecutive_failures, consecutive_successes, since_ms, last_seq,
                 last_result_ms, reason, detail, incident_id, flap_changes, flapping_since_ms, read_seq)
        ), updated AS (
          UPDATE check_state s SET
            outcome = u.outcome, consecutive_failures = u.consecutive_failures,
            consecutive_successes = u.consecutive_successes, since = u.since, last_seq = u.last_seq,
            last_result_at = u.last_result_at, reason = u.reason, detail = u.detail,
            incident_id = u.incident_id,
            flap_changes = ARRAY(SELECT jsonb_array_elements_text(u.flap_changes::jsonb)::timestamptz),
            flapping_since = u.flapping_since
          FROM u
          WHERE u.read_seq IS NOT NULL AND s.agent_id = u.agent_id AND s.check_id = u.check_id
            AND s.last_seq = u.read_seq
          RETURNING 1
        ), inserted AS (
          INSERT INTO check_state (agent_id, check_id, outcome, consecutive_failures, consecutive_successes,
                                   since, last_seq, last_result_at, reason, detail, incident_id, flap_changes,
                                   flapping_since)
          SELECT agent_id, check_id, outcome, consecutive_failures, consecutive_successes, since, last_seq,
                 last_result_at, reason, detail, incident_id,
                 ARRAY(SELECT jsonb_array_elements_text(u.flap_changes::jsonb)::timestamptz), flapping_since
          FROM u WHERE u.read_seq IS NULL
          ON CONFLICT (agent_id, check_id) DO NOTHING
          RETURNING 1
        )
        SELECT ((SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted))::int AS count`;
      if (written!.count !== saves.length) throw new StateRaceError(saves.length - written!.count);
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

/**
 * Check states changed by another transaction between this one's read and its write. Carries
 * serialization_failure's SQLSTATE: nothing is wrong with the data, the transaction is tried again.
 */
export class StateRaceError extends Error {
  readonly code = '40001';
  constructor(rows: number) {
    super(`${rows} check state(s) changed by another transaction since they were read`);
    this.name = 'StateRaceError';
  }
}

type StateRow = Omit<StoredCheckState, 'flap'> & {
  agentId: number;
  checkId: string;
  flapChanges: Date[];
  flappingSince: Date | null;
};
