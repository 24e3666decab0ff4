import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '@portwarden/common/logger';
import type { AuditEntry } from '../store/audit.js';
import { authorize, bearerToken, checkToken, needsTouch, type KnownToken } from './decide.js';
import { MisdirectedError } from './errors.js';
import { hostAllowed, type HostAllowance } from './hosts.js';
import type { Role } from './roles.js';
import { needsToken, ruleFor, type RouteRule } from './route-rules.js';
import { hashApiToken } from './token.js';

/** What the check needs of the token store and the audit. */
export interface AuthDeps {
  tokens: {
    findByHash(hash: Buffer): Promise<KnownToken | undefined>;
    touch(id: number, at: Date): Promise<void>;
  };
  audit: { record(entry: AuditEntry): Promise<void> };
  /** Known once the API listens. */
  hosts: () => HostAllowance;
  logger: Logger;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Who made the request, once authenticated. */
export interface Caller {
  name: string;
  role: Role;
  rule: RouteRule;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** Served without a token although its rule names a role (/metrics under --metrics-public). */
    tokenless?: boolean;
  }
}

/**
 * Probes (a load balancer's, Kubernetes') address the controller by IP and read nothing an
 * attacker wants; they skip the Host check.
 */
const PROBE_PATHS = new Set(['/healthz', '/livez', '/readyz']);

/**
 * One onRequest hook: the Host header first (DNS rebinding), then, on /api and the few routes
 * outside it that route-rules.ts names, the bearer token and the route's role from route-rules.ts.
 * One onSend hook writes the audit row of each action.
 */
export function installAuth(app: FastifyInstance, deps: AuthDeps): void {
  const now = deps.now ?? (() => new Date());
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (!PROBE_PATHS.has(path) && !hostAllowed(request.headers.host, deps.hosts()))
      throw new MisdirectedError(
        `this controller does not serve the host "${request.headers.host ?? ''}"`,
        'use its address, or add the name to --http-allowed-hosts (or set --external-url)',
      );
    if (!needsToken(request.method, request.routeOptions.url ?? path)) return;
    if (request.routeOptions.config.tokenless) return;
    const rule = ruleFor(request.method, request.routeOptions.url);
    const at = now();
    const token = checkToken(
      await deps.tokens.findByHash(hashApiToken(bearerToken(request.headers.authorization))),
      at,
    );
    if (needsTouch(token.lastUsedAt, at)) await deps.tokens.touch(token.id, at);
    authorize(token, rule, `${request.method} ${request.routeOptions.url ?? path}`);
    request.caller = { name: token.name, role: token.role, rule };
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const caller = request.caller;
    if (!caller?.rule.action) return payload;
    const entry = {
      actor: caller.name,
      role: caller.role,
      action: caller.rule.action,
      target: auditTarget(request),
      source: request.ip,
      detail: { status: reply.statusCode },
    };
    // The action is done; a failed audit write is logged, not turned into a failed answer.
    await deps.audit
      .record(entry)
      .catch((err: unknown) => deps.logger.error({ err, entry }, 'audit write failed'));
    return payload;
  });
}

/**
 * The agent, the token, silence or check id, the name of the token being created, or a new
 * silence's matchers; with the agent a check is disabled or enabled on.
 */
function auditTarget(request: FastifyRequest): string {
  const params = (request.params ?? {}) as Record<string, string>;
  const body = request.body as
    { name?: unknown; check?: unknown; matchers?: unknown; agent?: unknown } | undefined;
  const named =
    typeof body?.name === 'string'
      ? body.name
      : Array.isArray(body?.matchers)
        ? body.matchers.filter((m) => typeof m === 'string').join(', ')
        : '';
  const target = params.name ?? params.id ?? named;
  if (typeof body?.agent === 'string') return `${target} agent=${body.agent}`;
  return typeof body?.check === 'string' ? `${target} ${body.check}` : target;
}
