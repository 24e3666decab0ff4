import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ConfigError } from '@portwarden/common/errors';
import type { Logger } from '@portwarden/common/logger';
import { lockDir, type DirLock } from './dir-lock.js';

export interface EmbeddedPostgresOptions {
  /** Directory that keeps the database between runs; created when missing. @default in memory, gone after stop */
  dataDir?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /**
   * Client connections the socket server accepts at once; further ones are closed as they arrive.
   * PGlite is one backend session: pglite-socket multiplexes connections per protocol message, so
   * concurrent connections can interleave unnamed statements and share session state (LISTEN,
   * SET, advisory locks). Keep 1 and give the client pool `max: 1`.
   * @default 1
   */
  maxConnections?: number;
  logger: Logger;
}

export interface EmbeddedPostgres {
  /** postgres://postgres@HOST:PORT/postgres (no password, no TLS) */
  url: string;
  /** Closes client sockets and the listener, then the database (flushed to `dataDir`). Idempotent. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL 18 in this process (PGlite, WebAssembly), served over TCP by pglite-socket so that the
 * controller's ordinary `postgres` client code runs against it. For the quick start and tests only:
 * one session, no TLS, no authentication, no LISTEN/NOTIFY across connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const logger = options.logger.child({ component: 'embedded-postgres' });
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();
  const lock = options.dataDir === undefined ? undefined : await lockDir(options.dataDir);
  let db: PGlite | undefined;
  try {
    db = await openDatabase(options.dataDir);
    const server = new PGLiteSocketServer({
      db,
      host,
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 1,
    });
    server.addEventListener('error', (event) =>
      logger.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded PostgreSQL socket error'),
    );
    await listen(server, host, options.port ?? 0);
    const port = Number(server.getServerConn().slice(server.getServerConn().lastIndexOf(':') + 1));
    const url = `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
    logger.info(
      { host, port, dataDir: options.dataDir ?? 'memory', startMs: Date.now() - started },
      'embedded PostgreSQL (PGlite) listening',
    );
    return { url, stop: once(() => shutdown(server, db!, lock, logger)) };
  } catch (err) {
    await db?.close().catch(() => {});
    await lock?.release();
    throw err;
  }
}

async function openDatabase(dataDir: string | undefined): Promise<PGlite> {
  if (dataDir === undefined) return PGlite.create();
  await mkdir(dataDir, { recursive: true });
  return PGlite.create({ dataDir });
}

async function listen(server: PGLiteSocketServer, host: string, port: number): Promise<void> {
  try {
    await server.start();
  } catch (err) {
    throw new ConfigError(
      `embedded PostgreSQL cannot listen on ${host}:${port}: ${(err as Error).message}`,
      'free the port or choose another one',
      { cause: err },
    );
  }
}

async function shutdown(server: PGLiteSocketServer, db: PGlite, lock: DirLock | undefined, logger: Logger) {
  // Closing the server closes every client socket; a client's open transaction is rolled back
  // through the database's own queue, which `close()` waits for.
  await server.stop();
  await db.close();
  await lock?.release();
  logger.info('embedded PostgreSQL stopped');
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
