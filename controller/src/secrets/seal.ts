import { gcmOpen, gcmSeal } from '../ca/sealed-key.js';

const IV = 12;
const TAG = 16;

/** iv || tag || ciphertext, AES-256-GCM bound to the secret's name. */
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
