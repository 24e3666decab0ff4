import { PortwardenError } from '@portwarden/common/errors';
import { gcmOpen, gcmSeal } from '../ca/sealed-key.js';
import type { Sql } from './db.js';

/** A secret as listed: never its value. */
export interface SecretRow {
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const IV = 12;
const TAG = 16;

/** iv || tag || ciphertext, bound to the secret's name. */
export function sealSecret(name: string, value: string, key: Buffer): Buffer {
  const { iv, tag, ciphertext } = gcmSeal(Buffer.from(value, 'utf8'), key, Buffer.from(name, 'utf8'));
  return Buffer.concat([iv, tag, ciphertext]);
}

/** sealSecret undone; throws when the key or the name is not the one it was sealed with. */
export function openSecret(name: string, sealed: Buffer, key: Buffer): string {
  const parts = {
    iv: sealed.subarray(0, IV),
    tag: sealed.subarray(IV, IV + TAG),
    ciphertext: sealed.subarray(IV + TAG),
  };
  return gcmOpen(parts, key, Buffer.from(name, 'utf8')).toString('utf8');
}

/** A secret cannot be sealed or opened: no key, another key, or an altered row. */
export class SecretSealError extends PortwardenError {
  constructor(message: string, hint: string) {
    super('secrets-unavailable', message, hint);
  }
}

const NO_KEY =
  'secrets need --ca-key-file (or PORTWARDEN_CA_KEY): this controller has no key to seal them with';
const NO_KEY_HINT = 'start the controller with --ca-key-file; every replica needs the same one';

/**
 * Secrets, sealed with `key()` (ca/sealed-key.ts deriveSecretsKey). Without a key (a controller
 * without --ca-key-file) names can be listed and deleted, nothing can be sealed or opened.
 */
export function createSecretStore(sql: Sql, key: () => Promise<Buffer | undefined>) {
  const sealingKey = async (): Promise<Buffer> => {
    const found = await key();
    if (!found) throw new SecretSealError(NO_KEY, NO_KEY_HINT);
    return found;
  };
  return {
    /** True for a new secret, false for a replaced one. */
    async put(name: string, value: string): Promise<boolean> {
      const sealed = sealSecret(name, value, await sealingKey());
      const [row] = await sql<{ created: boolean }[]>`
        INSERT INTO secrets (name, sealed) VALUES (${name}, ${sealed})
        ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = now()
        RETURNING (xmax = 0) AS created`;
      return row!.created;
    },

    list: () => sql<SecretRow[]>`SELECT name, created_at, updated_at FROM secrets ORDER BY name`,

    async names(): Promise<Set<string>> {
      return new Set((await sql<{ name: string }[]>`SELECT name FROM secrets`).map((r) => r.name));
    },

    /** False when there was no such secret. */
    async delete(name: string): Promise<boolean> {
      return (await sql`DELETE FROM secrets WHERE name = ${name}`).count > 0;
    },

    /** The value, in memory only; undefined when there is no such secret. */
    async open(name: string): Promise<string | undefined> {
      const [row] = await sql<{ sealed: Buffer }[]>`SELECT sealed FROM secrets WHERE name = ${name}`;
      if (!row) return undefined;
      const opening = await sealingKey();
      try {
        return openSecret(name, row.sealed, opening);
      } catch {
        throw new SecretSealError(
          `cannot open secret "${name}": the controller's --ca-key-file is not the one it was sealed with`,
          `set it again with \`portwarden secret set ${name}\``,
        );
      }
    },
  };
}

export type SecretStore = ReturnType<typeof createSecretStore>;
