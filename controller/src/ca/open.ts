import type { Logger } from '@portwarden/common/logger';
import { formatFingerprint } from '@portwarden/common/enrollment-token';
import type { StoredCa } from '../store/ca-store.js';
import { CertificateAuthority } from './authority.js';
import { CaKeyError, seal, unseal } from './sealed-key.js';

/** Where the CA lives; store/ca-store.ts. */
export interface CaStore {
  /** The one CA, created with `create` (once, whichever replica comes first) when there is none. */
  loadOrCreate(create: () => Promise<StoredCa>): Promise<{ ca: StoredCa; created: boolean }>;
}

/** Binds a sealed key to its certificate: a key row moved under another certificate will not open. */
const aad = (fingerprint: string) => Buffer.from(`portwarden-ca-key:${fingerprint}`, 'utf8');

/**
 * The controller's CA: loaded from PostgreSQL, or created there by the first replica to start.
 * `secret` decrypts its private key (the contents of --ca-key-file or PORTWARDEN_CA_KEY).
 */
export async function openAuthority(
  store: CaStore,
  secret: Buffer,
  log: Logger,
): Promise<CertificateAuthority> {
  let fresh: CertificateAuthority | undefined;
  const { ca, created } = await store.loadOrCreate(async () => {
    const { authority, keyPkcs8 } = await CertificateAuthority.create();
    fresh = authority;
    const fingerprint = authority.fingerprint.toString('hex');
    return { certPem: authority.certPem, fingerprint, key: await seal(keyPkcs8, secret, aad(fingerprint)) };
  });
  const authority =
    created && fresh
      ? fresh
      : await CertificateAuthority.load(ca.certPem, await unseal(ca.key, secret, aad(ca.fingerprint)));
  if (authority.fingerprint.toString('hex') !== ca.fingerprint)
    throw new CaKeyError(
      'the CA row in PostgreSQL is inconsistent: its fingerprint does not match its certificate',
    );
  log.info(
    { fingerprint: formatFingerprint(authority.fingerprint), notAfter: authority.notAfter },
    created ? 'created the controller CA' : 'loaded the controller CA',
  );
  return authority;
}
