import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DeliveryFilter, DeliveryRow } from '../store/notification-log.js';
import type { ResponseFilter, ResponseRow } from '../store/responses.js';
import type { IncidentRow } from '../store/views.js';
import { NotFoundError } from './errors.js';

/** What the incident page reads: the incident, its deliveries and its response rounds. */
export interface IncidentDetailSource {
  incident(id: number): Promise<IncidentRow | undefined>;
  deliveries: { list(filter: DeliveryFilter, limit: number): Promise<DeliveryRow[]> };
  responses: { list(filter: ResponseFilter): Promise<ResponseRow[]> };
}

/** A silence (or maintenance window) that held a notification of the incident. */
export interface HeldBy {
  /** The hold's note as the notification log keeps it: `silence 7`, `maintenance nightly`. */
  note: string;
  /** The silence's id; null for a maintenance window. */
  silence: number | null;
  /** When it first held one, and how many it held. */
  firstHeldAt: Date;
  held: number;
}

/** The most notifications and rounds one incident page shows (the list routes' maximum). */
const DETAIL_LIMIT = 1000;

const incidentParams = z.strictObject({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: "the incident's id" }),
});

/** The silences in the `held` rows of the notification log, each once, in the order they first held. */
export function heldBy(deliveries: readonly DeliveryRow[]): HeldBy[] {
  const byNote = new Map<string, HeldBy>();
  for (const d of deliveries) {
    if (d.status !== 'held' || !d.error) continue;
    const at = new Date(d.createdAt ?? d.updatedAt);
    const seen = byNote.get(d.error);
    if (seen) {
      seen.held += 1;
      if (at < seen.firstHeldAt) seen.firstHeldAt = at;
      continue;
    }
    const id = /^silence (\d+)$/.exec(d.error)?.[1];
    byNote.set(d.error, { note: d.error, silence: id ? Number(id) : null, firstHeldAt: at, held: 1 });
  }
  return [...byNote.values()].sort((a, b) => a.firstHeldAt.getTime() - b.firstHeldAt.getTime());
}

/**
 * GET /api/v1/incidents/:id: the incident (a row of GET /api/v1/incidents) with its timeline's
 * data: its notifications (as GET /api/v1/notifications lists them), the response rounds that
 * opened it and the silences that held its notifications. 404 for no such incident.
 */
export function registerIncidentDetailRoute(app: FastifyInstance, source: IncidentDetailSource): void {
  app.get<{ Params: z.output<typeof incidentParams> }>(
    '/api/v1/incidents/:id',
    { schema: { params: incidentParams } },
    async ({ params: { id } }) => {
      const incident = await source.incident(id);
      if (!incident) throw new NotFoundError(`no incident ${id}`, 'see portwarden get incidents');
      const [notifications, responses] = await Promise.all([
        source.deliveries.list({ incident: id }, DETAIL_LIMIT),
        source.responses.list({ incident: id, limit: DETAIL_LIMIT }),
      ]);
      return { incident, notifications, responses, silences: heldBy(notifications) };
    },
  );
}
