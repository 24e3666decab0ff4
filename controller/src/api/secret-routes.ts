import type { FastifyInstance } from 'fastify';
import { SECRET_NAME_PATTERN } from '@portwarden/common/policy/secrets';
import type { SecretRow } from '../secrets/secrets.js';
import { BadRequestError, NotFoundError } from './errors.js';

/** The longest secret value accepted, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 8 * 1024;

/** What the secret routes need: sealing happens behind `put` (secrets/secrets.ts). */
export interface SecretRouteDeps {
  /** True for a new secret, false for a replaced one. */
  put(name: string, value: string): Promise<boolean>;
  list(): Promise<SecretRow[]>;
  /** False when there was no such secret. */
  delete(name: string): Promise<boolean>;
}

/**
 * PUT/DELETE /api/v1/secrets/:name and GET /api/v1/secrets. No route ever answers a value: the
 * channels that refer to a secret get it at the moment of sending (notify/deliver.ts).
 */
export function registerSecretRoutes(app: FastifyInstance, secrets: SecretRouteDeps): void {
  app.put<{ Params: { name: string } }>('/api/v1/secrets/:name', async (request, reply) => {
    const name = secretName(request.params.name);
    const created = await secrets.put(name, secretValue(request.body));
    return reply.code(created ? 201 : 200).send({ name, created });
  });

  app.get('/api/v1/secrets', async () => ({ secrets: await secrets.list() }));

  app.delete<{ Params: { name: string } }>('/api/v1/secrets/:name', async (request) => {
    const name = secretName(request.params.name);
    if (!(await secrets.delete(name)))
      throw new NotFoundError(`no secret is named "${name}"`, 'see `portwarden secret list` for the names');
    return { name, deleted: true };
  });
}

function secretName(name: string): string {
  if (!SECRET_NAME_PATTERN.test(name))
    throw new BadRequestError(
      `invalid secret name "${name.slice(0, 80)}"`,
      'a name is 1-64 letters, digits, _ . -',
    );
  return name;
}

/** The body as text/plain, or JSON {"value": "..."}. */
function secretValue(body: unknown): string {
  const value =
    typeof body === 'string'
      ? body
      : typeof body === 'object' && body !== null && 'value' in body
        ? body.value
        : undefined;
  if (typeof value !== 'string' || value === '')
    throw new BadRequestError(
      'the request body must be the secret value',
      'send it as text/plain, or JSON {"value": "..."}',
    );
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES)
    throw new BadRequestError(`a secret value is at most ${MAX_SECRET_BYTES} bytes`);
  return value;
}
