import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import { ConfigError } from '@portwarden/common/errors';

const scrypt = promisify(scryptCallback) as (
  secret: Buffer,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** The CA's private key as PostgreSQL keeps it: AES-256-GCM under a key derived from the secret. */
export interface SealedKey {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  salt: Buffer;
  /** How the AES key was derived from the secret, for example `scrypt:N=32768,r=8,p=1`. */
  kdf: string;
}

/** scrypt's work factors: about 100 ms and 32 MiB once per start. Stored with each key. */
const KDF = { N: 2 ** 15, r: 8, p: 1 };
const KDF_NAME = `scrypt:N=${KDF.N},r=${KDF.r},p=${KDF.p}`;

/** The shortest secret accepted: `openssl rand -base64 32` gives 44 characters. */
export const MIN_SECRET_LENGTH = 32;

/** The secret is wrong for this key, or the stored key was altered. */
export class CaKeyError extends ConfigError {}

export function checkSecret(secret: string): Buffer {
  const trimmed = secret.trim();
  if (trimmed.length < MIN_SECRET_LENGTH)
    throw new ConfigError(
      `the CA key secret has ${trimmed.length} characters; at least ${MIN_SECRET_LENGTH} are needed`,
      'create one with `openssl rand -base64 32` and pass it with --ca-key-file or PORTWARDEN_CA_KEY',
    );
  return Buffer.from(trimmed, 'utf8');
}

/** Encrypts `plain`; `aad` binds the result to its context (the CA certificate it belongs to). */
export async function seal(plain: Buffer, secret: Buffer, aad: Buffer): Promise<SealedKey> {
  const salt = randomBytes(16);
  return { ...gcmSeal(plain, await derive(secret, salt, KDF_NAME), aad), salt, kdf: KDF_NAME };
}

/** AES-256-GCM under `key`, with a fresh 12-byte IV; `aad` binds the result to its context. */
export function gcmSeal(
  plain: Buffer,
  key: Buffer,
  aad: Buffer,
): Pick<SealedKey, 'ciphertext' | 'iv' | 'tag'> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/** gcmSeal undone; throws when the key or the aad is not the one sealed with, or a byte changed. */
export function gcmOpen(
  sealed: Pick<SealedKey, 'ciphertext' | 'iv' | 'tag'>,
  key: Buffer,
  aad: Buffer,
): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

/**
 * The key secrets are sealed with: derived once from the CA key secret. The salt is fixed, so every
 * replica derives the same key; the secret is high-entropy (MIN_SECRET_LENGTH), which scrypt's salt
 * is not needed to protect.
 */
export function deriveSecretsKey(secret: Buffer): Promise<Buffer> {
  return derive(secret, Buffer.from('portwarden secrets v1'), KDF_NAME);
}

export async function unseal(sealed: SealedKey, secret: Buffer, aad: Buffer): Promise<Buffer> {
  const key = await derive(secret, sealed.salt, sealed.kdf);
  try {
    return gcmOpen(sealed, key, aad);
  } catch {
    throw new CaKeyError(
      'cannot decrypt the CA private key stored in PostgreSQL: the CA key secret is not the one it was created with',
      'pass the original secret with --ca-key-file or PORTWARDEN_CA_KEY',
    );
  }
}

async function derive(secret: Buffer, salt: Buffer, kdf: string): Promise<Buffer> {
  const match = /^scrypt:N=(\d+),r=(\d+),p=(\d+)$/.exec(kdf);
  if (!match) throw new CaKeyError(`the stored CA key uses an unknown key derivation "${kdf}"`);
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return scrypt(secret, salt, 32, { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 });
}
