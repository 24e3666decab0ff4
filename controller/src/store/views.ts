import type { Sql } from './db.js';

export interface CheckStatusRow {
  agent: string;
  checkId: string;
  outcome: 'up' | 'down';
  consecutiveFailures: number;
  /** Successes in a row, towards `successesBeforeResolve` while an incident is open. */
  consecutiveSuccesses: number;
  /** Since when the check is flapping (state/flapping.ts); null while it is not. */
  flappingSince: Date | null;
  since: Date;
  lastResultAt: Date;
  reason: string;
  detail: string;
  incidentId: number | null;
}

export interface IncidentRow {
  id: number;
  agent: string;
  checkId: string;
  checkName: string;
  alertGroup: string;
  reason: string;
  detail: string;
  openedAt: Date;
  resolvedAt: Date | null;
  /** Who acknowledged it (an API token's name), when, and why; null when nobody did. */
  ackedBy: string | null;
  ackedAt: Date | null;
  ackComment: string | null;
}

export type IncidentFilter = 'open' | 'resolved' | 'all';

/** One stored probe result: the check page's chart, outcome timeline and transcripts. */
export interface ResultRow {
  agent: string;
  checkId: string;
  seq: number;
  startedAt: Date;
  durationMs: number;
  outcome: 'up' | 'down';
  reason: string;
  detail: string;
  transcript: unknown;
  /** A firewall check's profiles and provider (`FirewallReport`); null for other checks. */
  firewall: unknown;
}

export interface ResultFilter {
  checkId: string;
  agent?: string;
  since: Date;
}

/** Read-only queries behind the HTTP API. */
export function createViews(sql: Sql) {
  return {
    checkStates(): Promise<CheckStatusRow[]> {
      return sql<CheckStatusRow[]>`
        SELECT a.name AS agent, s.check_id, s.outcome, s.consecutive_failures, s.consecutive_successes,
               s.flapping_since, s.since, s.last_result_at, s.reason, s.detail, s.incident_id
        FROM check_state s JOIN agents a ON a.id = s.agent_id ORDER BY a.name, s.check_id`;
    },

    incidents(filter: IncidentFilter, limit: number): Promise<IncidentRow[]> {
      return sql<IncidentRow[]>`
        SELECT i.id, a.name AS agent, i.check_id, i.check_name, i.alert_group, i.reason, i.detail, i.opened_at, i.resolved_at,
               i.acked_by, i.acked_at, i.ack_comment
        FROM incidents i JOIN agents a ON a.id = i.agent_id
        WHERE ${filter === 'open' ? sql`i.resolved_at IS NULL` : filter === 'resolved' ? sql`i.resolved_at IS NOT NULL` : sql`true`}
        ORDER BY i.id DESC LIMIT ${limit}`;
    },

    /** One incident, as a row of `incidents` above; undefined when there is none. */
    async incident(id: number): Promise<IncidentRow | undefined> {
      const [row] = await sql<IncidentRow[]>`
        SELECT i.id, a.name AS agent, i.check_id, i.check_name, i.alert_group, i.reason, i.detail, i.opened_at, i.resolved_at,
               i.acked_by, i.acked_at, i.ack_comment
        FROM incidents i JOIN agents a ON a.id = i.agent_id
        WHERE i.id = ${id}`;
      return row;
    },

    /** Newest first, through the (agent_id, check_id, started_at) index. */
    results(filter: ResultFilter, limit: number): Promise<ResultRow[]> {
      return sql<ResultRow[]>`
        SELECT a.name AS agent, r.check_id, r.seq, r.started_at, r.duration_ms, r.outcome,
               r.reason, r.detail, r.transcript, r.firewall
        FROM results r JOIN agents a ON a.id = r.agent_id
        WHERE r.check_id = ${filter.checkId} AND r.started_at >= ${filter.since}
          ${filter.agent === undefined ? sql`` : sql`AND a.name = ${filter.agent}`}
        ORDER BY r.started_at DESC LIMIT ${limit}`;
    },
  };
}
