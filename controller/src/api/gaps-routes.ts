import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GapRow } from '../store/gaps.js';

/** What the gap route reads: reported gaps, newest first. */
export interface GapList {
  list(agent: string | undefined, limit: number): Promise<GapRow[]>;
}

const gapsQuery = z.strictObject({
  agent: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** GET /api/v1/gaps?agent=NAME&limit=N: results agents dropped because their spool was full. */
export function registerGapRoutes(app: FastifyInstance, gaps: GapList): void {
  app.get<{ Querystring: z.output<typeof gapsQuery> }>(
    '/api/v1/gaps',
    { schema: { querystring: gapsQuery } },
    async ({ query }) => ({ gaps: await gaps.list(query.agent, query.limit) }),
  );
}
