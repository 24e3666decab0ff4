import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import {
  formatEnrollmentToken,
  newTokenSecret,
  parseEnrollmentToken,
  tokenHash,
  tokenId,
} from './enrollment-token.js';

const ca = createHash('sha256').update('a CA certificate').digest();

describe('enrollment tokens', () => {
  it('round-trips the secret and the CA fingerprint', () => {
    const secret = newTokenSecret();
    const text = formatEnrollmentToken({ secret, caFingerprint: ca });
    expect(text).toMatch(/^pwt1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const parsed = parseEnrollmentToken(`  ${text}\n`);
    expect(parsed.secret.equals(secret)).toBe(true);
    expect(parsed.caFingerprint.equals(ca)).toBe(true);
  });

  it('carries at least 128 bits of secret, fresh every time', () => {
    const a = newTokenSecret();
    expect(a.length * 8).toBeGreaterThanOrEqual(128);
    expect(a.equals(newTokenSecret())).toBe(false);
  });

  const malformed: [string, string][] = [
    ['empty', ''],
    [
      'another version',
      formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: ca }).replace('pwt1', 'pwt2'),
    ],
    ['no CA part', `pwt1.${newTokenSecret().toString('base64url')}`],
    ['a short secret', `pwt1.${Buffer.alloc(8).toString('base64url')}.${ca.toString('base64url')}`],
    ['padding', `pwt1.${newTokenSecret().toString('base64')}.${ca.toString('base64url')}`],
  ];
  it.each(malformed)('refuses %s without echoing it', (_why, text) => {
    let error: unknown;
    try {
      parseEnrollmentToken(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('the enrollment token is malformed');
  });

  it('names a token by its hash, never by its secret', () => {
    const secret = newTokenSecret();
    expect(tokenHash(secret)).toHaveLength(32);
    expect(tokenId(secret)).toBe(tokenHash(secret).toString('hex').slice(0, 12));
    expect(secret.toString('hex')).not.toContain(tokenId(secret));
  });
});
