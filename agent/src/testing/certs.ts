import { webcrypto } from 'node:crypto';
// @peculiar/x509 needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** PEM texts for a TLS server in a test, and the CA that signed it. */
export interface TestCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

const newKeys = () =>
  webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

/**
 * A CA and a server certificate it signed, for `localhost`, `127.0.0.1` and `::1` (or the given
 * names). `validDays` sets the server certificate's remaining life: 3 for one about to expire.
 */
export async function createCertificates(
  options: { validDays?: number; dnsNames?: string[]; commonName?: string } = {},
): Promise<TestCertificates> {
  const caKeys = await newKeys();
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Portwarden Test CA',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const serverKeys = await newKeys();
  const notAfter = new Date(Math.floor((now + (options.validDays ?? 365) * DAY) / 1000) * 1000);
  const dnsNames = options.dnsNames ?? ['localhost'];
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.commonName ?? dnsNames[0]}, O=Portwarden Tests`,
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now - DAY),
    notAfter,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: await keyPem(serverKeys.privateKey),
    notAfter,
  };
}
