import { PortwardenError } from '@portwarden/common/errors';
import { openSecret, sealSecret } from './seal.js';

/** A secret as listed: never its value. */
export interface SecretRow {
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What sealing needs from storage: sealed bytes in and out. The PostgreSQL version is in store/. */
export interface SealedSecretStore {
  /** True for a new secret, false for a replaced one. */
  put(name: string, sealed: Buffer): Promise<boolean>;
  list(): Promise<SecretRow[]>;
  names(): Promise<Set<string>>;
  /** False when there was no such secret. */
  delete(name: string): Promise<boolean>;
  /** undefined when there is no such secret. */
  sealed(name: string): Promise<Buffer | undefined>;
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
 * Secrets, sealed with `key()` (ca/sealed-key.ts deriveSecretsKey) before they reach `store`.
 * Without a key (a controller without --ca-key-file) names can be listed and deleted, nothing can
 * be sealed or opened.
 */
export function createSecrets(store: SealedSecretStore, key: () => Promise<Buffer | undefined>) {
  const sealingKey = async (): Promise<Buffer> => {
    const found = await key();
    if (!found) throw new SecretSealError(NO_KEY, NO_KEY_HINT);
    return found;
  };
  return {
    /** True for a new secret, false for a replaced one. */
    put: async (name: string, value: string): Promise<boolean> =>
      store.put(name, sealSecret(name, value, await sealingKey())),

    list: () => store.list(),
    names: () => store.names(),
    delete: (name: string) => store.delete(name),

    /** The value, in memory only; undefined when there is no such secret. */
    async open(name: string): Promise<string | undefined> {
      const sealed = await store.sealed(name);
      if (!sealed) return undefined;
      const opening = await sealingKey();
      try {
        return openSecret(name, sealed, opening);
      } catch {
        throw new SecretSealError(
          `cannot open secret "${name}": the controller's --ca-key-file is not the one it was sealed with`,
          `set it again with \`portwarden secret set ${name}\``,
        );
      }
    },
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
