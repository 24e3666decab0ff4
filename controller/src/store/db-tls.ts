import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@portwarden/common/errors';

/** A database URL's query, split off without parsing its hosts (a URL may name several). */
function splitQuery(url: string): { base: string; query: URLSearchParams } {
  const at = url.indexOf('?');
  return at < 0
    ? { base: url, query: new URLSearchParams() }
    : { base: url.slice(0, at), query: new URLSearchParams(url.slice(at + 1)) };
}

/**
 * The TLS mode a database URL gets, as libpq reads it: `sslmode` (or postgres.js's own `ssl`);
 * `sslrootcert=system` means verify-full, and `require` with a root certificate file verifies the
 * chain (verify-ca). Undefined: no TLS asked for.
 */
export function dbSslMode(url: string): string | undefined {
  const { query } = splitQuery(url);
  const rootCert = query.get('sslrootcert');
  if (rootCert === 'system') return 'verify-full';
  const mode = query.get('sslmode') ?? query.get('ssl') ?? undefined;
  return mode === 'require' && rootCert ? 'verify-ca' : mode;
}

/**
 * libpq's `sslrootcert`, which postgres.js does not read: it sends the parameter to the server as a
 * setting, and the server refuses the connection. Here the parameter leaves the URL, and the
 * verifying modes get it as postgres.js's `ssl` option: the system's CAs, or the file's.
 */
export function postgresTls(url: string): { url: string; ssl?: ConnectionOptions } {
  const { base, query } = splitQuery(url);
  const rootCert = query.get('sslrootcert');
  if (rootCert === null) return { url };
  const mode = dbSslMode(url);
  query.delete('sslrootcert');
  const stripped = query.size > 0 ? `${base}?${query.toString()}` : base;
  if (mode !== 'verify-full' && mode !== 'verify-ca') return { url: stripped };
  const ca = rootCert === 'system' ? {} : { ca: readRootCert(rootCert) };
  // verify-ca checks the chain only, as libpq does; verify-full also the host name (Node's default).
  return { url: stripped, ssl: mode === 'verify-ca' ? { ...ca, checkServerIdentity: () => undefined } : ca };
}

function readRootCert(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read sslrootcert ${file} of --database-url: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'name a readable PEM file of the CA that signed the PostgreSQL server certificate',
      { cause: err },
    );
  }
}
