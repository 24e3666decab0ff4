import type { ClosedIncident, IncidentBook, NewIncident } from '../state/book.js';
import type { Cause, EventGroup, IncidentResponse } from '../state/event.js';
import type { TransactionSql } from './db.js';
import { addOutbox } from './outbox.js';

/** Incident rows and their outbox events, inside the caller's transaction. */
export function incidentBook(tx: TransactionSql): IncidentBook {
  return {
    async openIncident(agentId, incident: NewIncident) {
      // The partial unique index on open incidents keeps two replicas (or a liveness pass racing a
      // reconnect) from opening two.
      const [row] = await tx<{ id: number }[]>`
        INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at, response)
        VALUES (${agentId}, ${incident.checkId}, ${incident.checkName}, ${incident.alertGroup},
                ${incident.reason}, ${incident.detail}, ${incident.openedAt},
                ${incident.response ? tx.json(incident.response as never) : null})
        ON CONFLICT DO NOTHING RETURNING id`;
      return row?.id;
    },

    async resolveIncident(incidentId, at): Promise<ClosedIncident> {
      const [row] = await tx<
        {
          openedAt: Date;
          resolvedAt: Date;
          reason: string;
          detail: string;
          response: IncidentResponse | null;
        }[]
      >`
        UPDATE incidents SET resolved_at = GREATEST(${at}::timestamptz, opened_at) WHERE id = ${incidentId}
        RETURNING opened_at, resolved_at, reason, detail, response`;
      const { openedAt, resolvedAt, response, reason, detail } = row!;
      const cause: Cause = response ? { reason, detail, response } : { reason, detail };
      const escalatedTo = await tx<EventGroup[]>`
        SELECT alert_group AS id, min(group_name) AS name FROM incident_escalations
        WHERE incident_id = ${incidentId} GROUP BY alert_group ORDER BY min(step)`;
      return { cause, openedAt, resolvedAt, escalatedTo: [...escalatedTo] };
    },

    addOutbox: (incidentId, event) => addOutbox(tx, incidentId, event),
  };
}
