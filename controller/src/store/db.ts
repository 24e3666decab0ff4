import postgres from 'postgres';
import { ConfigError } from '@portwarden/common/errors';
import type { Logger } from '@portwarden/common/logger';
import { postgresTls } from './db-tls.js';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface DbOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** @default 10 */
  maxConnections?: number;
  logger?: Logger;
}

/** One pool per controller process. bigint columns come back as JS numbers (ids and seqs < 2^53). */
export function createDb(options: DbOptions): Sql {
  // Only when the URL names a root certificate: an `ssl` key, even undefined, overrides sslmode.
  const { url, ssl } = postgresTls(options.url);
  return postgres(url, {
    ...(ssl && { ssl }),
    max: options.maxConnections ?? 10,
    onnotice: (notice) => options.logger?.debug({ notice: notice.message }, 'postgres notice'),
    // int8 as number: ids and seqs stay far below 2^53.
    types: { int8: { to: 20, from: [20], parse: Number, serialize: String } },
    transform: { undefined: null, column: { from: postgres.toCamel } },
    connection: { application_name: 'portwarden-controller' },
    backoff: reconnectDelaySeconds,
  });
}

/**
 * Seconds before a pooled connection dials again after it failed: 0.1 s doubling to 2 s, with
 * jitter. postgres.js's own grows to 20 s and never shrinks while the outage lasts, so a
 * controller came back up to 20 s after PostgreSQL did; queries wait for it all that time.
 */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.1 * 2 ** Math.max(0, failures - 1), 2) * (0.5 + Math.random() / 2);
}

/** PostgreSQL's SQLSTATE for a connection to a database that does not exist (invalid_catalog_name). */
const NO_SUCH_DATABASE = '3D000';

/**
 * The controller applies its migrations but does not create its database: a missing one is a
 * problem the user fixes with one command, so it becomes one line with that command as the hint.
 * Anything else is returned as it is.
 */
export function databaseStartError(err: unknown, databaseUrl: string): unknown {
  if ((err as { code?: unknown } | null)?.code !== NO_SUCH_DATABASE) return err;
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username);
  const where = [
    url.hostname && `-h ${url.hostname.replace(/^\[(.*)\]$/, '$1')}`,
    url.port && `-p ${url.port}`,
    url.username && `-U ${decodeURIComponent(url.username)}`,
  ].filter(Boolean);
  return new ConfigError(
    `PostgreSQL at ${url.host} has no database "${name}"`,
    `create it once with \`createdb ${[...where, name].join(' ')}\` (the controller creates its tables, not the database), or point --database-url at another`,
    { cause: err },
  );
}
