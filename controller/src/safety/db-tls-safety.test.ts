import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { dbTlsSafety } from './db-tls-safety.js';

describe('dbTlsSafety', () => {
  // [url, --allow-unverified-db-tls, refused?, why]
  const cases: [string, boolean, boolean, string][] = [
    ['postgres://u@db/x', false, false, 'no TLS asked for: nothing pretends to be protected'],
    ['postgres://u@db/x?sslmode=disable', false, false, 'plaintext, said so'],
    ['postgres://u@db/x?sslmode=require', false, true, 'encrypted to whoever answers'],
    ['postgres://u@db/x?sslmode=prefer', false, true, 'unverified, and plaintext if the server says no'],
    ['postgres://u@db/x?sslmode=allow', false, true, 'same as prefer in postgres.js'],
    ['postgres://u@db/x?ssl=require', false, true, "postgres.js's own parameter"],
    ['postgres://u@db/x?application_name=a&sslmode=require', false, true, 'wherever it is in the query'],
    ['postgres://u@h1:5432,h2:5432/x?sslmode=require', false, true, 'several hosts'],
    ['postgres://u@db/x?sslmode=verify-full', false, false, 'verified: chain and host name'],
    [
      'postgres://u@db/x?sslmode=verify-ca',
      false,
      false,
      'postgres.js verifies the chain (and the name too)',
    ],
    [
      'postgres://u@db/x?sslmode=require&sslrootcert=system',
      false,
      false,
      'sslrootcert=system means verify-full',
    ],
    [
      'postgres://u@db/x?sslmode=require&sslrootcert=/ca.pem',
      false,
      false,
      'as in libpq: a root certificate makes it verify-ca',
    ],
    [
      'postgres://u@db/x?sslmode=prefer&sslrootcert=/ca.pem',
      false,
      true,
      'prefer verifies nothing, root certificate or not',
    ],
    ['postgres://u@db/x?sslmode=require', true, false, 'the operator said so explicitly'],
  ];
  it.each(cases)('%s allow=%s -> refused %s (%s)', (url, allow, refused) => {
    expect(dbTlsSafety(url, { allowUnverifiedDbTls: allow }) !== undefined).toBe(refused);
  });

  it('names the mode and the fix, and never the password', () => {
    const error = dbTlsSafety('postgres://u:hunter2@db/x?sslmode=require', {});
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^refusing --database-url with sslmode=require: PostgreSQL's certificate/);
    expect(error?.message).not.toContain('hunter2');
    expect(error?.hint).toMatch(/sslmode=verify-full&sslrootcert=\/path\/ca\.pem.*--allow-unverified-db-tls/);
  });
});
