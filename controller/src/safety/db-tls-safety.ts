import { ConfigError } from '@portwarden/common/errors';

/** The explicit consent the database check honours. */
export interface DbTlsConsent {
  /** --allow-unverified-db-tls */
  allowUnverifiedDbTls?: boolean;
}

/** The modes postgres.js connects with `rejectUnauthorized: false` (prefer and allow also fall back to plaintext). */
const UNVERIFIED = new Set(['require', 'prefer', 'allow']);

/**
 * The TLS mode postgres.js takes from a URL: `sslmode`, else its own `ssl` parameter, and
 * `sslrootcert=system` turns on verify-full whatever else is written.
 */
export function dbSslMode(url: string): string | undefined {
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
  if (query?.get('sslrootcert') === 'system') return 'verify-full';
  return query?.get('sslmode') ?? query?.get('ssl') ?? undefined;
}

/**
 * Refuses a database URL whose TLS does not verify the server's certificate: it encrypts, but to
 * whoever answers, so it protects nothing against someone on the path.
 */
export function dbTlsSafety(url: string, consent: DbTlsConsent): ConfigError | undefined {
  const mode = dbSslMode(url);
  if (mode === undefined || !UNVERIFIED.has(mode) || consent.allowUnverifiedDbTls) return undefined;
  return new ConfigError(
    `refusing --database-url with sslmode=${mode}: PostgreSQL's certificate would not be verified, so anyone on the path could pose as the database`,
    'use sslmode=verify-full with a server certificate Node trusts (signed by a public CA, or by a private CA whose file is in NODE_EXTRA_CA_CERTS=/path/ca.pem), or pass --allow-unverified-db-tls (PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS=1)',
  );
}
