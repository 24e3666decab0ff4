import type { SealedKey } from '../ca/sealed-key.js';
import type { Sql } from './db.js';

export interface StoredCa {
  certPem: string;
  /** SHA-256 of the certificate's DER, hex. */
  fingerprint: string;
  key: SealedKey;
}

/** Any constant works; it only has to be the same in every replica (and differ from migrate's). */
const CA_LOCK = 7_441_338;

interface CaRow {
  certPem: string;
  fingerprint: string;
  keyCiphertext: Buffer;
  keyIv: Buffer;
  keyTag: Buffer;
  keySalt: Buffer;
  keyKdf: string;
}

/** The one CA row. Replicas starting together create it once: the advisory lock serializes them. */
export function createCaStore(sql: Sql) {
  return {
    async loadOrCreate(create: () => Promise<StoredCa>): Promise<{ ca: StoredCa; created: boolean }> {
      const existing = await load(sql);
      if (existing) return { ca: existing, created: false };
      return sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${CA_LOCK})`;
        const raced = await load(tx as unknown as Sql);
        if (raced) return { ca: raced, created: false };
        const ca = await create();
        await tx`
          INSERT INTO ca (id, cert_pem, fingerprint, key_ciphertext, key_iv, key_tag, key_salt, key_kdf)
          VALUES (1, ${ca.certPem}, ${ca.fingerprint}, ${ca.key.ciphertext}, ${ca.key.iv}, ${ca.key.tag},
                  ${ca.key.salt}, ${ca.key.kdf})`;
        return { ca, created: true };
      });
    },
  };
}

async function load(sql: Sql): Promise<StoredCa | undefined> {
  const [row] = await sql<CaRow[]>`
    SELECT cert_pem, fingerprint, key_ciphertext, key_iv, key_tag, key_salt, key_kdf FROM ca WHERE id = 1`;
  if (!row) return undefined;
  return {
    certPem: row.certPem,
    fingerprint: row.fingerprint,
    key: {
      ciphertext: row.keyCiphertext,
      iv: row.keyIv,
      tag: row.keyTag,
      salt: row.keySalt,
      kdf: row.keyKdf,
    },
  };
}
