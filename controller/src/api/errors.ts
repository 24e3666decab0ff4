import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PolicyError, PortwardenError } from '@portwarden/common/errors';
import type { Logger } from '@portwarden/common/logger';
import { z } from 'zod';

/** The HTTP API error body: what went wrong, a stable code, and how to fix it. */
export interface ApiErrorBody {
  error: { code: string; message: string; hint?: string; issues?: PolicyError['issues'] };
}

/** ApiErrorBody as the OpenAPI document's Error component. */
export const apiErrorSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: 'stable, for programs: bad-request, not-found, forbidden…' }),
      message: z.string(),
      hint: z.string().optional().meta({ description: 'how to fix it' }),
      issues: z
        .array(z.object({ path: z.string(), line: z.number().int().optional(), message: z.string() }))
        .optional()
        .meta({ description: 'every problem of a rejected policy' }),
    }),
  })
  .meta({
    examples: [
      { error: { code: 'not-found', message: 'no agent "web-1"', hint: 'see portwarden get agents' } },
    ],
  });

export class BadRequestError extends PortwardenError {
  constructor(message: string, hint?: string) {
    super('bad-request', message, hint);
  }
}

export class NotFoundError extends PortwardenError {
  constructor(message: string, hint?: string) {
    super('not-found', message, hint);
  }
}

export class ConflictError extends PortwardenError {
  constructor(message: string, hint?: string) {
    super('conflict', message, hint);
  }
}

/** Error codes that are not the caller's malformed request; every other PortwardenError is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  'not-found': 404,
  'enrollment-disabled': 409,
  conflict: 409,
  'secrets-unavailable': 409,
  unauthenticated: 401,
  forbidden: 403,
  misdirected: 421,
};

/** `page`: answers a browser's GET of a page path (web-ui.ts) before the JSON 404. */
export function installErrorHandler(
  app: FastifyInstance,
  logger: Logger,
  page?: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  app.setErrorHandler((err: FastifyError | Error, _request, reply) => {
    if (err instanceof PolicyError) {
      return reply.code(400).send(body(err.code, 'policy rejected', err.hint, err.issues));
    }
    if (err instanceof PortwardenError)
      return reply.code(STATUS_BY_CODE[err.code] ?? 400).send(body(err.code, err.message, err.hint));
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send(body('bad-request', err.message));
    logger.error({ err }, 'request failed');
    return reply.code(500).send(body('internal', 'internal error; see the controller log'));
  });
  app.setNotFoundHandler((request, reply) => {
    if (page?.(request, reply)) return reply;
    return reply
      .code(404)
      .send(body('not-found', `no route ${request.method} ${request.url}`, 'see GET /api/v1 for the routes'));
  });
}

function body(code: string, message: string, hint?: string, issues?: PolicyError['issues']): ApiErrorBody {
  return { error: { code, message, ...(hint && { hint }), ...(issues && { issues }) } };
}
