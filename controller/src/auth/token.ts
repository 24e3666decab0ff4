import { createHash, randomBytes } from 'node:crypto';

/** Every API token starts with this, so that a leaked one is recognisable (by scanners, too). */
export const API_TOKEN_PREFIX = 'pwt_';

/** `pwt_` + 32 random bytes in base64url: shown once, stored only as its hash. */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** SHA-256: tokens carry 256 random bits, so a slow password hash would add nothing. */
export function hashApiToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
