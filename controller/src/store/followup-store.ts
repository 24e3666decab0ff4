import type { FollowupStore, FollowupTx, PendingIncident } from '../followup/types.js';
import type { OpenedPayload } from '../state/followup-events.js';
import type { Sql, TransactionSql } from './db.js';
import { addOutbox } from './outbox.js';

/** The SQL of the repeat and escalation sweeps (followup/). */
export function createFollowupStore(sql: Sql): FollowupStore {
  return { transaction: (work) => sql.begin((tx) => work(followupTx(tx))) as Promise<never> };
}

function followupTx(tx: TransactionSql): FollowupTx {
  return {
    async pendingIncidents(groups, due, openedBefore) {
      if (groups.length === 0) return [];
      // Read without a lock, decide, lock only the due ones, then read those again: this
      // statement's snapshot may predate what another replica wrote and committed just before we
      // got the lock; the next statement's snapshot sees it (READ COMMITTED), and they are decided
      // again on that.
      const candidates = (await pending(tx, groups, openedBefore)).filter(due);
      if (candidates.length === 0) return [];
      const locked = await tx<{ id: number }[]>`
        SELECT id FROM incidents
        WHERE id IN ${tx(candidates.map((incident) => incident.id))}
          AND resolved_at IS NULL AND acked_at IS NULL
        ORDER BY id
        FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return [];
      return (
        await pending(
          tx,
          groups,
          openedBefore,
          locked.map((row) => row.id),
        )
      ).filter(due);
    },

    latestOpened: (incidentId, group) => latestOpenedEvent(tx, incidentId, group),

    addOutbox: (incidentId, event) => addOutbox(tx, incidentId, event),

    async markEscalated(incidentId, step, group, at) {
      const rows = await tx`
        INSERT INTO incident_escalations (incident_id, step, alert_group, group_name, escalated_at)
        VALUES (${incidentId}, ${step}, ${group.id}, ${group.name}, ${at})
        ON CONFLICT DO NOTHING RETURNING step`;
      return rows.length === 1;
    },
  };
}

/** Open, unacknowledged incidents of `groups` opened by `openedBefore` (of `ids` only, when given), with what the sweeps decide on. */
async function pending(
  tx: TransactionSql,
  groups: readonly string[],
  openedBefore: Date,
  ids?: number[],
): Promise<PendingIncident[]> {
  const rows = await tx<(PendingIncident & { escalatedSteps: number[] | null })[]>`
    SELECT i.id, i.alert_group, i.opened_at, i.acked_at, i.resolved_at,
      (SELECT max(n.updated_at) FROM outbox o JOIN notifications n ON n.outbox_id = o.id
        WHERE o.incident_id = i.id AND o.event = 'opened' AND n.status = 'sent'
          AND o.payload->'alertGroup'->>'id' = i.alert_group
          -- a firing: the opening, a repeat, a release after a silence (not an acknowledgement)
          AND coalesce(o.payload->'notice'->>'kind', '') IN ('', 'repeat', 'released')
      ) AS firing_sent_at,
      (SELECT max(o.created_at) FROM outbox o
        WHERE o.incident_id = i.id AND o.payload->'notice'->>'kind' = 'repeat'
      ) AS repeat_written_at,
      (SELECT array_agg(e.step) FROM incident_escalations e WHERE e.incident_id = i.id) AS escalated_steps
    FROM incidents i
    WHERE i.resolved_at IS NULL AND i.acked_at IS NULL AND i.alert_group IN ${tx(groups as string[])}
      AND i.opened_at <= ${openedBefore}
      ${ids ? tx`AND i.id IN ${tx(ids)}` : tx``}
    ORDER BY i.id`;
  return rows.map((row) => ({ ...row, escalatedSteps: row.escalatedSteps ?? [] }));
}

/** The incident's latest opened event for group `group`, as written to the outbox. */
export async function latestOpenedEvent(
  tx: TransactionSql,
  incidentId: number,
  group: string,
): Promise<OpenedPayload | undefined> {
  const [row] = await tx<{ payload: OpenedPayload }[]>`
    SELECT payload FROM outbox
    WHERE incident_id = ${incidentId} AND event = 'opened' AND payload->'alertGroup'->>'id' = ${group}
    ORDER BY id DESC LIMIT 1`;
  return row?.payload;
}
