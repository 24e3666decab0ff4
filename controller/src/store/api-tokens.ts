import type { Role } from '../auth/roles.js';
import type { Sql } from './db.js';

/** An API token as listed: never its hash. */
export interface ApiTokenRow {
  id: number;
  name: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The name of the token --admin-token-file holds. */
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

const COLUMNS = 'id, name, role, created_at, expires_at, last_used_at, revoked_at';

/** API tokens, stored by the SHA-256 of the token (auth/token.ts). */
export function createApiTokenStore(sql: Sql) {
  return {
    /** undefined when a live token already has that name. */
    async create(token: { name: string; role: Role; hash: Buffer; expiresAt: Date | null }) {
      const [row] = await sql<ApiTokenRow[]>`
        INSERT INTO api_tokens (name, role, hash, expires_at)
        VALUES (${token.name}, ${token.role}, ${token.hash}, ${token.expiresAt})
        ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
        RETURNING ${sql.unsafe(COLUMNS)}`;
      return row;
    },

    list: () => sql<ApiTokenRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM api_tokens ORDER BY id`,

    async findByHash(hash: Buffer): Promise<ApiTokenRow | undefined> {
      const [row] = await sql<ApiTokenRow[]>`
        SELECT ${sql.unsafe(COLUMNS)} FROM api_tokens WHERE hash = ${hash}`;
      return row;
    },

    /** The revocation time (the first one, for a token revoked before); undefined for no such id. */
    async revoke(id: number): Promise<Date | undefined> {
      const [row] = await sql<{ revokedAt: Date }[]>`
        UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
        WHERE id = ${id} RETURNING revoked_at`;
      return row?.revokedAt;
    },

    async touch(id: number, at: Date): Promise<void> {
      await sql`UPDATE api_tokens SET last_used_at = ${at} WHERE id = ${id}`;
    },

    /**
     * The token in --admin-token-file is the live admin token named bootstrap-admin, whatever was
     * done to that name before: a token written there by hand replaces the previous one.
     */
    async upsertBootstrap(hash: Buffer): Promise<void> {
      await sql.begin(async (tx) => {
        await tx`DELETE FROM api_tokens WHERE name = ${BOOTSTRAP_TOKEN_NAME} AND hash <> ${hash}`;
        await tx`
          INSERT INTO api_tokens (name, role, hash) VALUES (${BOOTSTRAP_TOKEN_NAME}, 'admin', ${hash})
          ON CONFLICT (hash) DO UPDATE
          SET name = ${BOOTSTRAP_TOKEN_NAME}, role = 'admin', expires_at = NULL, revoked_at = NULL`;
      });
    },
  };
}
