import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from '@portwarden/common/logger';
import type { Sql } from './db.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Any constant works; it only has to be the same in every replica. */
const MIGRATION_LOCK = 7_441_337;

/**
 * Applies pending `migrations/NNNN_name.sql` files in order, each in its own transaction, under an
 * advisory lock so that replicas starting together apply each one once. `upTo` stops at a version:
 * for a test that writes rows under an older schema and migrates them.
 */
export async function migrate(sql: Sql, logger: Logger, upTo = Infinity): Promise<number> {
  const files = (await readdir(MIGRATIONS_DIR))
    .filter((f) => /^\d{4}_.+\.sql$/.test(f) && Number(f.slice(0, 4)) <= upTo)
    .sort();
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set(
      (await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version),
    );
    let applied = 0;
    for (const file of files) {
      const version = Number(file.slice(0, 4));
      if (done.has(version)) continue;
      await tx.unsafe(await readFile(new URL(file, MIGRATIONS_DIR), 'utf8'));
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${file})`;
      logger.info({ version, file }, 'migration applied');
      applied += 1;
    }
    return applied;
  });
}
