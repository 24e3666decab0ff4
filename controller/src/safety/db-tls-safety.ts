import { ConfigError } from '@portwarden/common/errors';
import { dbSslMode } from '../store/db-tls.js';

/** The explicit consent the database check honours. */
export interface DbTlsConsent {
  /** --allow-unverified-db-tls */
  allowUnverifiedDbTls?: boolean;
}

/** The modes postgres.js connects with `rejectUnauthorized: false` (prefer and allow also fall back to plaintext). */
const UNVERIFIED = new Set(['require', 'prefer', 'allow']);

/**
 * Refuses a database URL whose TLS does not verify the server's certificate: it encrypts, but to
 * whoever answers, so it protects nothing against someone on the path.
 */
export function dbTlsSafety(url: string, consent: DbTlsConsent): ConfigError | undefined {
  const mode = dbSslMode(url);
  if (mode === undefined || !UNVERIFIED.has(mode) || consent.allowUnverifiedDbTls) return undefined;
  return new ConfigError(
    `refusing --database-url with sslmode=${mode}: PostgreSQL's certificate would not be verified, so anyone on the path could pose as the database`,
    'use sslmode=verify-full&sslrootcert=/path/ca.pem (the CA that signed the server certificate; sslrootcert=system for the system CAs), or pass --allow-unverified-db-tls (PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS=1)',
  );
}
