import type { Labels } from '@portwarden/common/labels';
import type { ResolvedAlertGroup } from '@portwarden/common/policy/resolved';
import { LIVENESS_CHECK_ID, LIVENESS_CHECK_NAME, type IncidentEvent } from '../outbox/event.js';
import type { Sql, TransactionSql } from './db.js';

interface SilentAgent {
  id: number;
  name: string;
  hostname: string;
  labels: Labels;
  lastSeenAt: Date;
}

/**
 * Agent silence as incidents on the same path as check failures: an incident row, an outbox row,
 * in one transaction. The partial unique index on open incidents keeps replicas from opening two.
 */
export function createLivenessStore(sql: Sql) {
  return {
    /** Opens an incident for every agent silent for longer than `silenceMs`; returns how many. */
    async openForSilent(
      silenceMs: number,
      group: ResolvedAlertGroup | undefined,
      now: Date,
    ): Promise<number> {
      return sql.begin(async (tx) => {
        const silent = await tx<SilentAgent[]>`
          SELECT a.id, a.name, a.hostname, a.labels, a.last_seen_at FROM agents a
          WHERE a.last_seen_at < ${new Date(now.getTime() - silenceMs)}
            AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.agent_id = a.id AND i.check_id = ${LIVENESS_CHECK_ID} AND i.resolved_at IS NULL)
          ORDER BY a.id FOR UPDATE OF a SKIP LOCKED`;
        let opened = 0;
        for (const agent of silent) {
          const detail = `no heartbeat since ${agent.lastSeenAt.toISOString()}`;
          const [incident] = await tx<{ id: number }[]>`
            INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
            VALUES (${agent.id}, ${LIVENESS_CHECK_ID}, ${LIVENESS_CHECK_NAME}, ${group?.id ?? ''}, 'agent-unreachable', ${detail}, ${now})
            ON CONFLICT DO NOTHING RETURNING id`;
          if (!incident) continue;
          if (group)
            await addEvent(tx, incident.id, livenessEvent('opened', agent, group, incident.id, detail, now));
          opened += 1;
        }
        return opened;
      });
    },

    /** Resolves the agent's open liveness incident, if any; returns whether there was one. */
    async resolve(agentId: number, group: ResolvedAlertGroup | undefined, now: Date): Promise<boolean> {
      return sql.begin(async (tx) => {
        const [row] = await tx<(SilentAgent & { incidentId: number; openedAt: Date; detail: string })[]>`
          UPDATE incidents i SET resolved_at = ${now}
          FROM agents a
          WHERE i.agent_id = ${agentId} AND a.id = i.agent_id AND i.check_id = ${LIVENESS_CHECK_ID} AND i.resolved_at IS NULL
          RETURNING i.id AS incident_id, i.opened_at, i.detail, a.id, a.name, a.hostname, a.labels, a.last_seen_at`;
        if (!row) return false;
        if (group) {
          const event = livenessEvent('resolved', row, group, row.incidentId, row.detail, row.openedAt);
          await addEvent(tx, row.incidentId, { ...event, endsAt: now.toISOString() });
        }
        return true;
      });
    },
  };
}

export type LivenessStore = ReturnType<typeof createLivenessStore>;

function livenessEvent(
  event: 'opened' | 'resolved',
  agent: SilentAgent,
  group: ResolvedAlertGroup,
  incidentId: number,
  detail: string,
  startsAt: Date,
): Omit<IncidentEvent, 'outboxId'> {
  return {
    event,
    incidentId,
    check: { id: LIVENESS_CHECK_ID, name: LIVENESS_CHECK_NAME, host: agent.hostname, port: 0 },
    agent: { name: agent.name, hostname: agent.hostname, labels: agent.labels },
    alertGroup: group,
    reason: 'agent-unreachable',
    detail,
    consecutiveFailures: 0,
    startsAt: startsAt.toISOString(),
  };
}

async function addEvent(
  tx: TransactionSql,
  incidentId: number,
  event: Omit<IncidentEvent, 'outboxId'>,
): Promise<void> {
  await tx`INSERT INTO outbox (incident_id, event, payload) VALUES (${incidentId}, ${event.event}, ${tx.json(event as never)})`;
}
