import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '@portwarden/common/duration';
import { ROLES } from '../auth/roles.js';
import { hashApiToken, newApiToken } from '../auth/token.js';
import type { Role } from '../auth/roles.js';
import { BOOTSTRAP_TOKEN_NAME, type ApiTokenRow } from '../store/api-tokens.js';
import type { AuditRow } from '../store/audit.js';
import { ConflictError, NotFoundError } from './errors.js';

/** What the API token and audit routes need. */
export interface ApiTokenRouteDeps {
  tokens: {
    /** undefined when a live token already has that name. */
    create(token: {
      name: string;
      role: Role;
      hash: Buffer;
      expiresAt: Date | null;
    }): Promise<ApiTokenRow | undefined>;
    list(): Promise<ApiTokenRow[]>;
    /** The revocation time; undefined for no such id. */
    revoke(id: number): Promise<Date | undefined>;
  };
  audit: { list(limit: number): Promise<AuditRow[]> };
  /** @default () => new Date() */
  now?: () => Date;
}

const createBody = z
  .strictObject({
    role: z.enum(ROLES),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'a name is 1-64 letters, digits, _ . @ -')
      .refine(
        (name) => name !== BOOTSTRAP_TOKEN_NAME,
        `${BOOTSTRAP_TOKEN_NAME} is the --admin-token-file token`,
      ),
    ttl: z.string().regex(DURATION_PATTERN, 'a duration such as 12h, 30d').optional(),
  })
  .meta({ examples: [{ role: 'viewer', name: 'grafana', ttl: '30d' }] });
const create = { schema: { body: createBody } };

const revoke = {
  schema: { params: z.strictObject({ id: z.string().meta({ description: 'from GET /api/v1/api-tokens' }) }) },
};

const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * POST/GET /api/v1/api-tokens, DELETE /api/v1/api-tokens/:id and GET /api/v1/audit. A token is
 * shown once, in the answer to its creation; only its hash is kept.
 */
export function registerApiTokenRoutes(app: FastifyInstance, deps: ApiTokenRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  app.post<{ Body: z.output<typeof createBody> }>('/api/v1/api-tokens', create, async (request, reply) => {
    const { role, name, ttl } = request.body;
    const token = newApiToken();
    const expiresAt = ttl === undefined ? null : new Date(now().getTime() + parseDuration(ttl, 'token ttl'));
    const row = await deps.tokens.create({ name, role, hash: hashApiToken(token), expiresAt });
    if (!row)
      throw new ConflictError(
        `a live API token is already named "${name}"`,
        'pick another name, or revoke that token first',
      );
    return reply
      .code(201)
      .send({ id: row.id, name, role, token, createdAt: row.createdAt, expiresAt: row.expiresAt });
  });

  app.get('/api/v1/api-tokens', async () => ({ tokens: await deps.tokens.list() }));

  app.delete<{ Params: { id: string } }>('/api/v1/api-tokens/:id', revoke, async (request) => {
    const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;
    const revokedAt = id === undefined ? undefined : await deps.tokens.revoke(id);
    if (id === undefined || !revokedAt)
      throw new NotFoundError(
        `no API token with id ${request.params.id}`,
        'see `portwarden api-token list` for the ids',
      );
    return { id, revokedAt };
  });

  app.get<{ Querystring: z.output<typeof auditQuery> }>(
    '/api/v1/audit',
    { schema: { querystring: auditQuery } },
    async ({ query }) => ({ entries: await deps.audit.list(query.limit) }),
  );
}
