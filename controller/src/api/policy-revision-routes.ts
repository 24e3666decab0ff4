import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { redactSource } from '@portwarden/common/policy/secrets';
import type { PolicyRevision, PolicyRevisionSummary } from '../store/policy-revisions.js';
import { NotFoundError } from './errors.js';

/** The stored revisions (store/policy-revisions.ts). */
export interface PolicyRevisionList {
  list(limit: number): Promise<PolicyRevisionSummary[]>;
  get(revision: number): Promise<PolicyRevision | undefined>;
}

const revisionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const revisionParams = z.strictObject({
  revision: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .meta({ description: "the revision's number" }),
});

/**
 * A revision's source as the caller may see it: literal credentials in channels are for admins'
 * eyes only, as GET /api/v1/policy shows the revision in force.
 */
export function sourceFor(revision: PolicyRevision, role: string | undefined): string {
  return role === 'admin' ? revision.source : redactSource(revision.source, revision.policy);
}

/**
 * GET /api/v1/policy/revisions?limit=N: the applied revisions, newest first, each with its time
 * and a hash of its source. GET /api/v1/policy/revisions/:revision: one revision's source YAML,
 * redacted for a non-admin; 404 for no such revision.
 */
export function registerPolicyRevisionRoutes(app: FastifyInstance, revisions: PolicyRevisionList): void {
  app.get<{ Querystring: z.output<typeof revisionsQuery> }>(
    '/api/v1/policy/revisions',
    { schema: { querystring: revisionsQuery } },
    async ({ query }) => ({ revisions: await revisions.list(query.limit) }),
  );

  app.get<{ Params: z.output<typeof revisionParams> }>(
    '/api/v1/policy/revisions/:revision',
    { schema: { params: revisionParams } },
    async (request) => {
      const found = await revisions.get(request.params.revision);
      if (!found)
        throw new NotFoundError(
          `no policy revision ${request.params.revision}`,
          'GET /api/v1/policy/revisions lists them',
        );
      return {
        revision: found.revision,
        createdAt: found.createdAt,
        source: sourceFor(found, request.caller?.role),
      };
    },
  );
}
