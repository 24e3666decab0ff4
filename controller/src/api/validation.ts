import type { FastifySchemaCompiler, RouteOptions } from 'fastify';
import { z } from 'zod';
import { BadRequestError } from './errors.js';

/**
 * The request parts a route may give a zod schema for. One schema validates the request
 * (zodValidator) and describes it in the OpenAPI document (toJsonSchema): they cannot drift apart.
 */
export const REQUEST_PARTS = ['body', 'querystring', 'params'] as const;

/** How an error message names each part. */
const PART_WORDS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path' };

/** `:name` in the agent routes. */
export const agentParams = z.strictObject({ name: z.string().meta({ description: "the agent's name" }) });

/** An onRoute hook: a route whose schemas are zod is validated by zod; any other keeps fastify's Ajv. */
export function validateWithZod(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (schema && REQUEST_PARTS.some((part) => schema[part] instanceof z.ZodType))
    route.validatorCompiler = zodValidator;
}

/**
 * The parsed value (defaults applied, numbers coerced) replaces the request part; a failure is the
 * API's usual 400, with the schema's first example as the hint. No body at all is `{}`.
 */
const zodValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart, method, url }) => {
  if (!(schema instanceof z.ZodType))
    throw new Error(`${method} ${url}: give every request part a zod schema, or none`);
  const examples = schema.meta()?.examples;
  const hint = Array.isArray(examples) ? `send ${JSON.stringify(examples[0])}` : undefined;
  return (data: unknown) => {
    const parsed = schema.safeParse(data ?? {});
    if (parsed.success) return { value: parsed.data };
    const word = PART_WORDS[httpPart ?? ''] ?? httpPart;
    return { error: new BadRequestError(`invalid ${word}: ${formatIssues(parsed.error)}`, hint) };
  };
};

/** `name: a name is 1-64 letters; ttl: ...`: each issue where it is. */
function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses) of what a client sends; refinements are not in it. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return json;
}
