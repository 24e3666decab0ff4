import { X509Certificate } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { createCaStore } from '../store/ca-store.js';
import { createDb } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../testing/db.js';
import { CertificateAuthority, CsrError } from './authority.js';
import { identityOf } from './identity.js';
import { openAuthority } from './open.js';
import { CaKeyError, checkSecret, seal, unseal } from './sealed-key.js';
import { ALGORITHM, newKeys, webcrypto, x509 } from './x509.js';

const SECRET = Buffer.from('correct horse battery staple, and then some more');
const HOUR = 3_600_000;

const csrFor = async (cn: string, keys?: webcrypto.CryptoKeyPair) =>
  (
    await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${cn}`,
      keys: keys ?? (await newKeys()),
      signingAlgorithm: ALGORITHM,
    })
  ).toString('pem');

describe('sealed CA key', () => {
  it('opens with the secret it was sealed with, and only in its context', async () => {
    const plain = Buffer.from('a private key');
    const sealed = await seal(plain, SECRET, Buffer.from('ca-1'));
    expect(sealed.ciphertext.includes(plain)).toBe(false);
    expect(await unseal(sealed, SECRET, Buffer.from('ca-1'))).toEqual(plain);
    await expect(
      unseal(sealed, Buffer.from('another secret of enough length, really'), Buffer.from('ca-1')),
    ).rejects.toBeInstanceOf(CaKeyError);
    // The same key moved under another certificate does not open either.
    await expect(unseal(sealed, SECRET, Buffer.from('ca-2'))).rejects.toBeInstanceOf(CaKeyError);
  });

  it('refuses a short secret', () => {
    expect(() => checkSecret('changeme')).toThrow(/at least 32/);
    expect(checkSecret(`  ${'x'.repeat(32)}\n`)).toEqual(Buffer.from('x'.repeat(32)));
  });
});

describe('CertificateAuthority', () => {
  let ca: CertificateAuthority;
  beforeAll(async () => {
    ca = (await CertificateAuthority.create()).authority;
  });

  it('signs an agent certificate whose identity is the requested name', async () => {
    const issued = await ca.issueAgent(await csrFor('web-1'), HOUR);
    const cert = new X509Certificate(issued.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('URI:urn:portwarden:agent:web-1');
    expect(cert.serialNumber.toUpperCase()).toBe(issued.serial);
    expect(
      identityOf({
        subjectaltname: cert.subjectAltName,
        subject: { CN: 'web-1' },
        serialNumber: cert.serialNumber,
      } as never),
    ).toEqual({
      name: 'web-1',
      serial: issued.serial,
    });
    expect(issued.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(HOUR);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
  });

  // Each request refused, with the reason the agent will read.
  const refused: [string, () => Promise<string>, RegExp][] = [
    ['not a CSR at all', async () => 'hello', /not a PEM PKCS#10/],
    ['a name that is no agent name', () => csrFor('../etc'), /subject CN/],
    ['an RSA key', async () => rsaCsr(), /ECDSA P-256/],
  ];
  it.each(refused)('refuses %s', async (_why, make, message) => {
    await expect(ca.issueAgent(await make(), HOUR)).rejects.toThrow(message);
    await expect(ca.issueAgent(await make(), HOUR)).rejects.toBeInstanceOf(CsrError);
  });

  it('renews only for the same name', async () => {
    await expect(ca.issueAgent(await csrFor('web-2'), HOUR, 'web-1')).rejects.toThrow(
      /names "web-2", but this agent is "web-1"/,
    );
  });

  it('issues the server certificate with the names agents connect by, chained to the CA', async () => {
    const issued = await ca.issueServer(['controller.example', '10.0.0.5', '::1'], HOUR);
    const [leaf] = issued.chainPem.split(/(?<=-----END CERTIFICATE-----)\n/);
    const cert = new X509Certificate(leaf!);
    expect(cert.subjectAltName).toBe(
      'DNS:controller.example, IP Address:10.0.0.5, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(issued.chainPem).toContain(ca.certPem.trim());
  });
});

async function rsaCsr(): Promise<string> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return (
    await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=rsa-1',
      keys,
      signingAlgorithm: algorithm,
    })
  ).toString('pem');
}

describe('the CA in PostgreSQL', () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = createDb({ url: db.url, maxConnections: 6 });
    await migrate(sql, silentLogger());
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('is created once when replicas start together, and loads with the same secret only', async () => {
    const store = createCaStore(sql);
    const opened = await Promise.all([1, 2, 3, 4].map(() => openAuthority(store, SECRET, silentLogger())));
    expect(new Set(opened.map((ca) => ca.fingerprint.toString('hex'))).size).toBe(1);
    const [rows] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ca`;
    expect(rows!.n).toBe(1);
    // The key is stored encrypted: nothing in the row is the PEM of a private key.
    const [row] = await sql<{ keyCiphertext: Buffer }[]>`SELECT key_ciphertext FROM ca`;
    expect(row!.keyCiphertext.toString('latin1')).not.toContain('PRIVATE KEY');
    const again = await openAuthority(store, SECRET, silentLogger());
    expect(again.fingerprint).toEqual(opened[0]!.fingerprint);
    // The loaded key signs certificates the stored certificate verifies.
    const issued = await again.issueAgent(await csrFor('db-1'), HOUR);
    expect(
      new X509Certificate(issued.certPem).verify(new X509Certificate(opened[0]!.certPem).publicKey),
    ).toBe(true);
    await expect(openAuthority(store, Buffer.from('x'.repeat(40)), silentLogger())).rejects.toBeInstanceOf(
      CaKeyError,
    );
  });
});
