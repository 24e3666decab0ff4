import type { BookedIncident, ClosedIncident, IncidentBook, NewIncident } from '../state/book.js';
import { LIVENESS_CHECK_ID, type Cause, type EventGroup, type IncidentResponse } from '../state/event.js';
import type { UnreachableSpan } from '../state/inhibition.js';
import type { TransactionSql } from './db.js';
import { addOutbox } from './outbox.js';

interface IncidentRow {
  id: number;
  openedAt: Date;
  resolvedAt: Date | null;
  reason: string;
  detail: string;
  response: IncidentResponse | null;
  firingTold: boolean;
  resolveOwed: boolean;
}

/** Incident rows and their outbox events, inside the caller's transaction. */
export function incidentBook(tx: TransactionSql): IncidentBook {
  return {
    async openIncident(agentId, incident: NewIncident) {
      // The partial unique index on open incidents keeps two replicas (or a liveness pass racing a
      // reconnect) from opening two.
      const [row] = await tx<{ id: number }[]>`
        INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at, response,
                               firing_told)
        VALUES (${agentId}, ${incident.checkId}, ${incident.checkName}, ${incident.alertGroup},
                ${incident.reason}, ${incident.detail}, ${incident.openedAt},
                ${incident.response ? tx.json(incident.response as never) : null}, ${incident.firingTold})
        ON CONFLICT DO NOTHING RETURNING id`;
      return row?.id;
    },

    async resolveIncident(incidentId, at): Promise<ClosedIncident> {
      const [row] = await tx<IncidentRow[]>`
        UPDATE incidents SET resolved_at = GREATEST(${at}::timestamptz, opened_at) WHERE id = ${incidentId}
        RETURNING id, opened_at, resolved_at, reason, detail, response, firing_told, resolve_owed`;
      const { cause, openedAt, resolvedAt, firingTold } = booked(row!);
      const escalatedTo = await tx<EventGroup[]>`
        SELECT alert_group AS id, min(group_name) AS name FROM incident_escalations
        WHERE incident_id = ${incidentId} GROUP BY alert_group ORDER BY min(step)`;
      return { cause, openedAt, resolvedAt: resolvedAt!, firingTold, escalatedTo: [...escalatedTo] };
    },

    addOutbox: (incidentId, event) => addOutbox(tx, incidentId, event),

    async incident(incidentId) {
      const [row] = await tx<IncidentRow[]>`
        SELECT id, opened_at, resolved_at, reason, detail, response, firing_told, resolve_owed
        FROM incidents WHERE id = ${incidentId}`;
      return booked(row!);
    },

    async lastTold(agentId, checkId, excluding) {
      const [row] = await tx<IncidentRow[]>`
        SELECT id, opened_at, resolved_at, reason, detail, response, firing_told, resolve_owed
        FROM incidents
        WHERE agent_id = ${agentId} AND check_id = ${checkId} AND firing_told AND id <> ${excluding ?? 0}
        ORDER BY id DESC LIMIT 1`;
      return row && booked(row);
    },

    async setTold(incidentId, told) {
      if (told.firingTold !== undefined)
        await tx`UPDATE incidents SET firing_told = ${told.firingTold} WHERE id = ${incidentId}`;
      if (told.resolveOwed !== undefined)
        await tx`UPDATE incidents SET resolve_owed = ${told.resolveOwed} WHERE id = ${incidentId}`;
    },

    async unreachableSpans(agentId, since) {
      return tx<UnreachableSpan[]>`
        SELECT opened_at, resolved_at FROM incidents
        WHERE agent_id = ${agentId} AND check_id = ${LIVENESS_CHECK_ID}
          AND (resolved_at IS NULL OR resolved_at >= ${since})
        ORDER BY id`;
    },
  };
}

function booked(row: IncidentRow): BookedIncident {
  const { id, openedAt, resolvedAt, response, reason, detail, firingTold, resolveOwed } = row;
  const cause: Cause = response ? { reason, detail, response } : { reason, detail };
  return { id, cause, openedAt, resolvedAt, firingTold, resolveOwed };
}
