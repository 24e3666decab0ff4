import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../notify/nflog.js';
import type { DeliveryFilter, DeliveryRow } from '../store/notification-log.js';

/** What the route reads: deliveries, newest change first, pending ones included. */
export interface DeliveryList {
  list(filter: DeliveryFilter, limit: number): Promise<DeliveryRow[]>;
}

const notificationsQuery = z.strictObject({
  incident: z.coerce.number().int().min(1).optional().meta({ description: "only this incident's" }),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * GET /api/v1/notifications?incident=N&status=S&limit=N: each delivery of an incident event to a
 * channel, with its status, attempts and last error (the classified message: it names a receiver
 * by origin, never a URL path, query or header), and those with no attempt yet as `pending`.
 */
export function registerNotificationRoutes(app: FastifyInstance, deliveries: DeliveryList): void {
  app.get<{ Querystring: z.output<typeof notificationsQuery> }>(
    '/api/v1/notifications',
    { schema: { querystring: notificationsQuery } },
    async ({ query: { limit, ...filter } }) => ({
      notifications: await deliveries.list(filter, limit),
    }),
  );
}
