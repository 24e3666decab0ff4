import swagger from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { ruleFor } from '../auth/route-rules.js';
import { apiErrorSchema } from './errors.js';
import { REQUEST_PARTS, toJsonSchema, validateWithZod } from './validation.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** An answer with the error body. */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ERROR_REF } },
});

/** What every operation may answer; 401 and 403 are added where a token is needed. */
const ERROR_RESPONSES = {
  '4XX': errorResponse('the request is refused: see error.code and error.hint'),
  '5XX': errorResponse('the controller failed; see its log'),
};
const AUTH_RESPONSES = {
  '401': errorResponse('no API token, or an unknown, expired or revoked one'),
  '403': errorResponse("the token's role does not allow this route"),
};

type Operation = { responses?: Record<string, unknown>; security?: unknown[] };
type Document = { paths?: Record<string, Record<string, Operation>> };

/**
 * Before any route: zod validation for routes with zod schemas, and @fastify/swagger collecting
 * every route registered after it. The document is served by registerOpenApiRoute.
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', validateWithZod);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      // The version of the API (its /api/v1 paths), not of the package.
      info: { title: 'Portwarden controller API', version: 'v1' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: toJsonSchema(apiErrorSchema) },
      },
    },
    transform: ({ schema, url, route }) => ({ schema: describeRoute(schema, url, route), url }),
    transformObject: (documents) =>
      withErrorResponses((documents as { openapiObject: Document }).openapiObject),
  });
}

/**
 * GET /api/v1/openapi.json, for a viewer: every /api route needs a token, and the route map is
 * worth something to an attacker.
 */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get(OPENAPI_PATH, async () => app.swagger());
}

/** A route's zod schemas as JSON Schema, and, on /api, the bearer token and its role. */
function describeRoute(schema: RouteOptions['schema'], url: string, route: RouteOptions) {
  const described: Record<string, unknown> = { ...schema };
  for (const part of REQUEST_PARTS)
    if (described[part] instanceof z.ZodType) described[part] = toJsonSchema(described[part]);
  if (!url.startsWith('/api')) return described;
  const { role } = ruleFor([route.method].flat()[0]!, url);
  const description = [described.description, `Needs the ${role} role.`].filter(Boolean).join(' ');
  return { ...described, security: [{ bearerAuth: [] }], 'x-role': role, description };
}

/** The error body on every operation, under what the route itself declares. */
function withErrorResponses(document: Document): Document {
  for (const item of Object.values(document.paths ?? {}))
    for (const operation of Object.values(item))
      operation.responses = {
        ...ERROR_RESPONSES,
        ...(operation.security && AUTH_RESPONSES),
        ...operation.responses,
      };
  return document;
}
