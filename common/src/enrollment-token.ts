import { createHash, randomBytes } from 'node:crypto';
import { ConfigError } from './errors.js';

/**
 * An enrollment token, as `portwarden token create` prints it and `portwarden-agent
 * --enroll-token` reads it: `pwt1.<secret>.<ca>`, both parts base64url without padding.
 *
 * - `secret`: 32 random bytes (256 bits). The controller keeps only its SHA-256.
 * - `ca`: the SHA-256 of the controller CA certificate (DER). The agent trusts the controller on
 *   first contact only if it presents a chain to a CA with this fingerprint.
 */
export interface EnrollmentToken {
  secret: Buffer;
  caFingerprint: Buffer;
}

export const TOKEN_VERSION = 'pwt1';
const SECRET_BYTES = 32;
const PART = '[A-Za-z0-9_-]{43}';
const TOKEN_PATTERN = new RegExp(`^${TOKEN_VERSION}\\.(${PART})\\.(${PART})$`);

export function newTokenSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

export function formatEnrollmentToken(token: EnrollmentToken): string {
  return `${TOKEN_VERSION}.${token.secret.toString('base64url')}.${token.caFingerprint.toString('base64url')}`;
}

/** Reads a token; a malformed one is a ConfigError whose message never repeats the token. */
export function parseEnrollmentToken(text: string): EnrollmentToken {
  const match = TOKEN_PATTERN.exec(text.trim());
  if (!match)
    throw new ConfigError(
      'the enrollment token is malformed',
      `copy it whole as printed by \`portwarden token create\` (it starts with "${TOKEN_VERSION}.")`,
    );
  return {
    secret: Buffer.from(match[1]!, 'base64url'),
    caFingerprint: Buffer.from(match[2]!, 'base64url'),
  };
}

/** What the controller stores instead of the secret. A fast hash is enough for 256 random bits. */
export function tokenHash(secret: Buffer): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** A short, non-secret name for a token, for listings and logs: the first 12 hex digits of its hash. */
export function tokenId(secret: Buffer): string {
  return tokenHash(secret).toString('hex').slice(0, 12);
}

/** `sha256:ab12...`: how fingerprints are shown to people. */
export function formatFingerprint(fingerprint: Buffer): string {
  return `sha256:${fingerprint.toString('hex')}`;
}
