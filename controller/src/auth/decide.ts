import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { roleAllows, type Role } from './roles.js';
import type { RouteRule } from './route-rules.js';

/** What the check needs to know of a stored token. */
export interface KnownToken {
  id: number;
  name: string;
  role: Role;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const HOW_TO_GET_ONE =
  'pass --token or set PORTWARDEN_TOKEN; an admin creates tokens with `portwarden api-token create`, ' +
  'and the first admin token is the file the controller writes with --admin-token-file FILE';

/** `Bearer <token>` -> the token; anything else is a 401. */
export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new UnauthenticatedError('no API token: send Authorization: Bearer <token>', HOW_TO_GET_ONE);
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match)
    throw new UnauthenticatedError('the Authorization header is not "Bearer <token>"', HOW_TO_GET_ONE);
  return match[1]!;
}

/** The token found by its hash, if it may be used at `now`; a 401 that says why otherwise. */
export function checkToken(token: KnownToken | undefined, now: Date): KnownToken {
  if (!token) throw new UnauthenticatedError('unknown API token', HOW_TO_GET_ONE);
  // The caller holds the token, so telling them its name and state gives nothing away.
  if (token.revokedAt)
    throw new UnauthenticatedError(
      `API token "${token.name}" was revoked at ${token.revokedAt.toISOString()}`,
      'ask an admin for a new token',
    );
  if (token.expiresAt && token.expiresAt <= now)
    throw new UnauthenticatedError(
      `API token "${token.name}" expired at ${token.expiresAt.toISOString()}`,
      'ask an admin for a new token',
    );
  return token;
}

/** A 403 unless the token's role allows the route. */
export function authorize(token: Pick<KnownToken, 'name' | 'role'>, rule: RouteRule, route: string): void {
  if (!roleAllows(token.role, rule.role))
    throw new ForbiddenError(
      `API token "${token.name}" has role ${token.role}; ${route} needs ${rule.role}`,
      `ask an admin for a token with role ${rule.role}`,
    );
}

/** last_used_at is written at most once a minute per token, not on every request. */
export const TOUCH_EVERY_MS = 60_000;

export function needsTouch(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() >= TOUCH_EVERY_MS;
}
