import { createHash, randomBytes, X509Certificate as NodeCertificate } from 'node:crypto';
import { isIP } from 'node:net';
import { ALGORITHM, importPrivateKey, newKeys, privateKeyPem, webcrypto, x509 } from './x509.js';
import { AGENT_NAME_RULE, isAgentName } from '@portwarden/common/agent-name';
import { agentUri } from './identity.js';

const DAY = 86_400_000;
/** The CA outlives every certificate it signs by far; replacing it means enrolling every agent again. */
const CA_LIFETIME_MS = 10 * 365 * DAY;
/** Clock skew allowed between controller and agents, at most this much, on every certificate it signs. */
const MAX_BACKDATE_MS = 5 * 60_000;
/** Certificate requests larger than this are refused unread. */
export const MAX_CSR_PEM_LENGTH = 16 * 1024;

/** A certificate the CA signed for an agent, with what the controller records of it. */
export interface IssuedCertificate {
  certPem: string;
  /** Upper-case hex, as Node's TLS reports a peer's serial. */
  serial: string;
  name: string;
  notBefore: Date;
  notAfter: Date;
}

/** A certificate request the CA refuses to sign; its message says why, in the agent's terms. */
export class CsrError extends Error {
  override readonly name = 'CsrError';
}

/** The controller's certificate authority: its certificate, and a key that never leaves the process. */
export class CertificateAuthority {
  /** SHA-256 of the certificate's DER: what enrollment tokens pin. */
  readonly fingerprint: Buffer;
  private readonly cert: x509.X509Certificate;

  private constructor(
    readonly certPem: string,
    private readonly signingKey: webcrypto.CryptoKey,
  ) {
    this.cert = new x509.X509Certificate(certPem);
    this.fingerprint = createHash('sha256').update(Buffer.from(this.cert.rawData)).digest();
  }

  /** A new self-signed CA; returns its private key as PKCS#8 DER for sealing. */
  static async create(now = new Date()): Promise<{ authority: CertificateAuthority; keyPkcs8: Buffer }> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name: [{ CN: [`Portwarden CA ${randomBytes(4).toString('hex')}`] }, { O: ['Portwarden'] }],
      keys,
      signingAlgorithm: ALGORITHM,
      notBefore: new Date(now.getTime() - MAX_BACKDATE_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyPkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    return { authority: new CertificateAuthority(cert.toString('pem'), keys.privateKey), keyPkcs8 };
  }

  static async load(certPem: string, keyPkcs8: Buffer): Promise<CertificateAuthority> {
    return new CertificateAuthority(certPem, await importPrivateKey(keyPkcs8));
  }

  get notAfter(): Date {
    return this.cert.notAfter;
  }

  /**
   * The gRPC server's certificate and key, for these host names and addresses; its chain (the
   * certificate, then the CA) is what agents verify and what the token's fingerprint pins.
   */
  async issueServer(names: string[], ttlMs: number, now = new Date()) {
    const keys = await newKeys();
    const { notBefore, notAfter } = validity(now, ttlMs);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: newSerial(),
      subject: [{ CN: [names[0] ?? 'portwarden-controller'] }, { O: ['Portwarden'] }],
      issuer: this.cert.subject,
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value })),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey),
      ],
    });
    return {
      chainPem: `${cert.toString('pem')}\n${this.certPem}\n`,
      keyPem: await privateKeyPem(keys.privateKey),
      notBefore,
      notAfter,
    };
  }

  /**
   * Signs an agent's request: the subject CN names the agent, and when `name` is given it must
   * be that one. Everything else in the request (its extensions, other subject fields) is
   * ignored: the CA sets the certificate's fields itself.
   */
  async issueAgent(
    csrPem: string,
    ttlMs: number,
    name?: string,
    now = new Date(),
  ): Promise<IssuedCertificate> {
    const csr = await readCsr(csrPem);
    const requested = csr.subjectName.getField('CN');
    const agent = requested[0] ?? '';
    if (requested.length !== 1 || !isAgentName(agent))
      throw new CsrError(
        `the certificate request must name the agent in its subject CN (${AGENT_NAME_RULE})`,
      );
    if (name !== undefined && agent !== name)
      throw new CsrError(`the certificate request names "${agent}", but this agent is "${name}"`);
    const { notBefore, notAfter } = validity(now, ttlMs);
    const serial = newSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: [{ CN: [agent] }, { O: ['Portwarden agents'] }],
      issuer: this.cert.subject,
      publicKey: csr.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: agentUri(agent) }]),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey),
      ],
    });
    // Node's own parser reads it back exactly as the TLS layer will see it.
    const check = new NodeCertificate(cert.toString('pem'));
    return {
      certPem: cert.toString('pem'),
      serial: check.serialNumber.toUpperCase(),
      name: agent,
      notBefore,
      notAfter,
    };
  }
}

async function readCsr(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (pem.length > MAX_CSR_PEM_LENGTH)
    throw new CsrError(`the certificate request is over ${MAX_CSR_PEM_LENGTH} characters`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new CsrError('the certificate request is not a PEM PKCS#10 request');
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256')
    throw new CsrError('the certificate request must be for an ECDSA P-256 key');
  if (!(await csr.verify().catch(() => false)))
    throw new CsrError('the certificate request is not signed by its own key');
  return csr;
}

/** Backdated a little for clock skew (at most a quarter of the lifetime, so short ones stay usable). */
function validity(now: Date, ttlMs: number): { notBefore: Date; notAfter: Date } {
  const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  return {
    notBefore: seconds(now.getTime() - Math.min(MAX_BACKDATE_MS, ttlMs / 4)),
    notAfter: seconds(now.getTime() + ttlMs),
  };
}

/** 16 random bytes, first one in 0x01-0x7f: positive, no leading zero, so every tool prints it alike. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! % 0x7f) + 1;
  return bytes.toString('hex').toUpperCase();
}
