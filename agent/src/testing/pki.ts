import { createHash, webcrypto, X509Certificate } from 'node:crypto';
// @peculiar/x509 needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

const newKeys = () =>
  webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/**
 * A stand-in for the controller's CA in agent tests: it signs agent certificates the way the
 * controller does (subject CN and SAN URI urn:portwarden:agent:NAME), and server certificates.
 */
export class TestCa {
  private constructor(
    readonly certPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
  ) {}

  static async create(): Promise<TestCa> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=Portwarden Test CA',
      keys,
      signingAlgorithm: ALGORITHM,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    return new TestCa(cert.toString('pem'), cert, keys);
  }

  get fingerprint(): Buffer {
    return createHash('sha256').update(new X509Certificate(this.certPem).raw).digest();
  }

  /** Signs a CSR for agent `name` (default: the CSR's CN), valid from `notBefore` for `ttlMs`. */
  async signAgent(
    csrPem: string,
    options: { name?: string; ttlMs?: number; notBefore?: Date } = {},
  ): Promise<string> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    const name = options.name ?? csr.subjectName.getField('CN')[0]!;
    const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${name}`,
      issuer: this.cert.subject,
      publicKey: csr.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (options.ttlMs ?? DAY)),
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:portwarden:agent:${name}` }]),
      ],
    });
    return cert.toString('pem');
  }

  /** A server certificate for 127.0.0.1 and localhost; `chainPem` is it followed by the CA. */
  async server(): Promise<{ chainPem: string; keyPem: string }> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.create({
      subject: 'CN=localhost',
      issuer: this.cert.subject,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    return { chainPem: `${cert.toString('pem')}\n${this.certPem}`, keyPem: await keyPem(keys.privateKey) };
  }
}
