import type { Role } from './roles.js';

/** What one API route needs: the least role allowed, and the audit's name for what it changes. */
export interface RouteRule {
  role: Role;
  /** Set on every route that changes something: each call writes one audit row. */
  action?: string;
}

/**
 * Every /api route, in one table: `METHOD /path` as registered -> its rule. A route missing here
 * needs admin (ruleFor), and a test checks that every registered /api route is here.
 */
export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'GET /api/v1': { role: 'viewer' },
  'GET /api/v1/agents': { role: 'viewer' },
  'GET /api/v1/checks': { role: 'viewer' },
  'GET /api/v1/gaps': { role: 'viewer' },
  'GET /api/v1/incidents': { role: 'viewer' },
  'GET /api/v1/incidents/:id': { role: 'viewer' },
  'GET /api/v1/notifications': { role: 'viewer' },
  // The route map is worth something to an attacker; every /api route needs a token anyway.
  'GET /api/v1/openapi.json': { role: 'viewer' },
  'GET /api/v1/policy': { role: 'viewer' },
  'GET /api/v1/policy/revisions': { role: 'viewer' },
  'GET /api/v1/policy/revisions/:revision': { role: 'viewer' },
  'GET /api/v1/responses': { role: 'viewer' },
  'GET /api/v1/results': { role: 'viewer' },
  'GET /api/v1/silences': { role: 'viewer' },
  'GET /api/v1/whoami': { role: 'viewer' },
  'POST /api/v1/silences': { role: 'operator', action: 'silence-create' },
  'POST /api/v1/silences/:id/expire': { role: 'operator', action: 'silence-expire' },
  'POST /api/v1/agents/:name/test': { role: 'operator', action: 'test-now' },
  'POST /api/v1/incidents/:id/ack': { role: 'operator', action: 'incident-ack' },
  'POST /api/v1/checks/:id/disable': { role: 'operator', action: 'check-disable' },
  'POST /api/v1/checks/:id/enable': { role: 'operator', action: 'check-enable' },
  'PUT /api/v1/policy': { role: 'admin', action: 'policy-apply' },
  // Apply's role (the answer tells which secret names exist); changes nothing, so no audit row.
  'POST /api/v1/policy/validate': { role: 'admin' },
  'POST /api/v1/tokens': { role: 'admin', action: 'enrollment-token-create' },
  'POST /api/v1/agents/:name/revoke': { role: 'admin', action: 'agent-revoke' },
  'GET /api/v1/api-tokens': { role: 'admin' },
  'POST /api/v1/api-tokens': { role: 'admin', action: 'api-token-create' },
  'DELETE /api/v1/api-tokens/:id': { role: 'admin', action: 'api-token-revoke' },
  'GET /api/v1/audit': { role: 'admin' },
  'GET /api/v1/secrets': { role: 'admin' },
  'PUT /api/v1/secrets/:name': { role: 'admin', action: 'secret-set' },
  'DELETE /api/v1/secrets/:name': { role: 'admin', action: 'secret-delete' },
};

/**
 * Routes outside /api that need a token all the same; the others there (probes) need none. A route
 * may still be registered without a token (`config: { tokenless: true }`, as --metrics-public does).
 */
export const OUTSIDE_API_RULES: Readonly<Record<string, RouteRule>> = {
  'GET /metrics': { role: 'viewer' },
};

const FAIL_CLOSED: RouteRule = { role: 'admin' };

/** The rule of a matched route (`url` as registered, undefined when none matched); HEAD is GET. */
export function ruleFor(method: string, url: string | undefined): RouteRule {
  const key = routeKey(method, url);
  if (Object.hasOwn(ROUTE_RULES, key)) return ROUTE_RULES[key]!;
  return Object.hasOwn(OUTSIDE_API_RULES, key) ? OUTSIDE_API_RULES[key]! : FAIL_CLOSED;
}

/** Every /api route, and the routes outside it that OUTSIDE_API_RULES names, need a token. */
export function needsToken(method: string, url: string): boolean {
  return url.startsWith('/api') || Object.hasOwn(OUTSIDE_API_RULES, routeKey(method, url));
}

function routeKey(method: string, url: string | undefined): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url ?? ''}`;
}
