import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AckOutcome, Acknowledgement } from '../state/acknowledge.js';
import { ConflictError, NotFoundError } from './errors.js';

/** What the incident action routes need; parts.ts wires the PostgreSQL version (store/acks.ts). */
export interface IncidentActions {
  /** The event it writes goes out at the relay's next poll (every second). */
  acknowledge(incidentId: number, ack: Acknowledgement): Promise<AckOutcome>;
}

const incidentParams = z.strictObject({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: "the incident's id" }),
});

const ackBody = z
  .strictObject({ comment: z.string().trim().min(1).max(1000).optional() })
  .meta({ examples: [{ comment: 'looking into it' }] });

type AckRequest = { Params: z.output<typeof incidentParams>; Body: z.output<typeof ackBody> };

/**
 * POST /api/v1/incidents/:id/ack {comment?}: acknowledges an open incident as the caller (its
 * repeats and escalation stop; its group hears ACKNOWLEDGED, PagerDuty an acknowledge). 404 for no
 * such incident, 409 for a resolved one; acknowledging again changes nothing and says so.
 */
export function registerIncidentRoutes(
  app: FastifyInstance,
  actions: IncidentActions,
  now = () => new Date(),
) {
  app.post<AckRequest>(
    '/api/v1/incidents/:id/ack',
    { schema: { params: incidentParams, body: ackBody } },
    async (request) => {
      const { id } = request.params;
      const comment = request.body.comment;
      const by = request.caller?.name ?? '';
      const outcome = await actions.acknowledge(id, { by, at: now(), ...(comment && { comment }) });
      switch (outcome.status) {
        case 'not-found':
          throw new NotFoundError(`no incident ${id}`, 'see portwarden get incidents');
        case 'resolved':
          throw new ConflictError(
            `incident ${id} resolved at ${outcome.resolvedAt.toISOString()}: there is nothing to acknowledge`,
            'a new incident of the same check starts unacknowledged',
          );
        case 'already-acknowledged':
          return { incident: id, acknowledged: outcome.ack, alreadyAcknowledged: true };
        case 'acknowledged':
          return { incident: id, acknowledged: outcome.ack, alreadyAcknowledged: false };
      }
    },
  );
}
