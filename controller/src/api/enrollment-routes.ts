import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '@portwarden/common/duration';
import { LABEL_KEY_PATTERN } from '@portwarden/common/labels';
import type { CreatedToken } from '../enroll/service.js';
import { MAX_TOKEN_TTL_MS } from '../enroll/service.js';
import { LIMITS } from '../grpc/validate.js';
import { BadRequestError, NotFoundError } from './errors.js';
import { agentParams } from './validation.js';

/** What the enrollment routes need; both throw EnrollmentDisabledError on an --insecure controller. */
export interface EnrollmentAccess {
  createToken(request: { labels: Record<string, string>; ttlMs?: number }): Promise<CreatedToken>;
  revoke(name: string): Promise<{ certificates: number; closedStream: boolean } | undefined>;
}

const tokenBody = z
  .strictObject({
    labels: z
      .record(
        z.string().regex(LABEL_KEY_PATTERN, 'a label key is letters, digits, _ . -'),
        z.string().max(LIMITS.labelValueLength),
      )
      .refine((labels) => Object.keys(labels).length <= LIMITS.labels, `at most ${LIMITS.labels} labels`)
      .default({}),
    ttl: z.string().regex(DURATION_PATTERN, 'a duration such as 10m, 1h or 2d').default('1h'),
  })
  .meta({ examples: [{ labels: { role: 'web' }, ttl: '1h' }] });
const create = { schema: { body: tokenBody } };
const revoke = { schema: { params: agentParams } };

/** POST /api/v1/tokens and POST /api/v1/agents/:name/revoke. */
export function registerEnrollmentRoutes(app: FastifyInstance, enrollment: EnrollmentAccess): void {
  app.post<{ Body: z.output<typeof tokenBody> }>('/api/v1/tokens', create, async ({ body }, reply) => {
    const ttlMs = parseDuration(body.ttl, 'token ttl');
    if (ttlMs > MAX_TOKEN_TTL_MS)
      throw new BadRequestError(
        `token ttl ${body.ttl} is over the maximum of 7d`,
        'enrollment tokens are short-lived: use 7d or less',
      );
    return reply.code(201).send(await enrollment.createToken({ labels: body.labels, ttlMs }));
  });

  app.post<{ Params: { name: string } }>('/api/v1/agents/:name/revoke', revoke, async (request) => {
    const { name } = request.params;
    const revoked = await enrollment.revoke(name);
    if (!revoked)
      throw new NotFoundError(
        `no agent named "${name}" ever enrolled`,
        'see `portwarden get agents` for the names',
      );
    return { agent: name, ...revoked };
  });
}
