import type { ResponseVerdict } from '@portwarden/common/firewall';
import type { ProbeSummary, ResponseAttempt } from '../ingest/reports.js';
import type { Sql } from './db.js';

/** A response round an agent reported, as the API lists it. */
export interface ResponseRow {
  id: number;
  agent: string;
  checkId: string;
  checkName: string;
  /** The seq of the result that ended the round. */
  seq: number;
  startedAt: Date;
  verdict: ResponseVerdict;
  trigger: ProbeSummary;
  attempts: ResponseAttempt[];
  /** The result the round reported: the verification, or the trigger when nothing ran. */
  outcome: 'up' | 'down';
  reason: string;
  detail: string;
  /** The incident the round opened, when it did. */
  incidentId: number | null;
  receivedAt: Date;
}

export interface ResponseFilter {
  agent?: string;
  check?: string;
  /** Only the rounds that opened this incident. */
  incident?: number;
  limit: number;
}

/** Responses are written by ingest (store/ingest-store.ts), in the transaction of their result. */
export function createResponseStore(sql: Sql) {
  return {
    /** Newest first. */
    list(filter: ResponseFilter): Promise<ResponseRow[]> {
      return sql<ResponseRow[]>`
        SELECT r.id, a.name AS agent, r.check_id, r.check_name, r.seq, r.started_at, r.verdict, r.trigger,
               r.attempts, r.outcome, r.reason, r.detail, r.incident_id, r.received_at
        FROM responses r JOIN agents a ON a.id = r.agent_id
        WHERE ${filter.agent === undefined ? sql`true` : sql`a.name = ${filter.agent}`}
          AND ${filter.check === undefined ? sql`true` : sql`r.check_id = ${filter.check}`}
          AND ${filter.incident === undefined ? sql`true` : sql`r.incident_id = ${filter.incident}`}
        ORDER BY r.id DESC LIMIT ${filter.limit}`;
    },
  };
}
