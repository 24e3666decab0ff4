import type { SealedSecretStore, SecretRow } from '../secrets/secrets.js';
import type { Sql } from './db.js';

/** The secrets table: sealed bytes only; sealing is secrets/secrets.ts. */
export function createSecretStore(sql: Sql): SealedSecretStore {
  return {
    async put(name, sealed) {
      const [row] = await sql<{ created: boolean }[]>`
        INSERT INTO secrets (name, sealed) VALUES (${name}, ${sealed})
        ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = now()
        RETURNING (xmax = 0) AS created`;
      return row!.created;
    },

    list: () => sql<SecretRow[]>`SELECT name, created_at, updated_at FROM secrets ORDER BY name`,

    async names() {
      return new Set((await sql<{ name: string }[]>`SELECT name FROM secrets`).map((r) => r.name));
    },

    async delete(name) {
      return (await sql`DELETE FROM secrets WHERE name = ${name}`).count > 0;
    },

    async sealed(name) {
      const [row] = await sql<{ sealed: Buffer }[]>`SELECT sealed FROM secrets WHERE name = ${name}`;
      return row?.sealed;
    },
  };
}
