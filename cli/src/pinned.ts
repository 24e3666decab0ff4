import { once } from 'node:events';
import { createHash, X509Certificate } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { PortwardenError } from '@portwarden/common/errors';
import { formatFingerprint } from '@portwarden/common/enrollment-token';

/** The controller's certificate is not the one `portwarden login` pinned for its URL. */
export class CertificateMismatchError extends PortwardenError {
  constructor(url: string, pinned: string, why: string) {
    super(
      'certificate-mismatch',
      `the controller at ${url} ${why}; it is not the certificate pinned at login (${pinned}), so no token was sent`,
      `if the controller's certificate changed, check it and run portwarden login --url ${url} --token-file FILE again`,
    );
  }
}

/** `sha256:` and 64 hex digits, from that or from openssl's `AB:CD:...`; anything else is refused. */
export function normalizeFingerprint(text: string): string {
  const hex = text
    .replace(/^sha256:/i, '')
    .replaceAll(':', '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new PortwardenError(
      'fingerprint-invalid',
      `${text} is not a SHA-256 certificate fingerprint`,
      'give it as sha256:<64 hex digits>, or as openssl x509 -fingerprint -sha256 prints it',
    );
  return `sha256:${hex}`;
}

const fingerprintOf = (cert: X509Certificate) =>
  formatFingerprint(createHash('sha256').update(cert.raw).digest());

/** Fingerprints of the presented chain, leaf first, as far as each certificate is signed by the next. */
export function signedChain(chain: X509Certificate[]): string[] {
  const fingerprints = chain.slice(0, 1).map(fingerprintOf);
  for (let i = 1; i < chain.length && chain[i - 1]!.verify(chain[i]!.publicKey); i++)
    fingerprints.push(fingerprintOf(chain[i]!));
  return fingerprints;
}

/**
 * Why the chain is refused under `pin`, or undefined when it is accepted: the pinned certificate is
 * in the signed chain, and, when it is a CA, the leaf names `host`. The TLS handshake has already
 * proved the server holds the leaf's key.
 */
export function pinVerdict(chain: X509Certificate[], pin: string, host: string): string | undefined {
  const fingerprints = signedChain(chain);
  if (!fingerprints.includes(pin)) return `presented ${fingerprints.at(-1) ?? 'no certificate'}`;
  const leaf = chain[0]!;
  const named = isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host);
  if (fingerprints[0] !== pin && !named) return `presented a certificate that is not for ${host}`;
  return undefined;
}

/** The chain the server sent, leaf first (node links each certificate to its issuer, a root to itself). */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (
    let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
    c?.raw;
    c = c.issuerCertificate
  ) {
    chain.push(new X509Certificate(c.raw));
    if (c.issuerCertificate === c || c.issuerCertificate?.raw.equals(c.raw)) break;
  }
  return chain;
}

/**
 * A TLS connection to `url`, checked against `pin` before anything is written on it. Without a pin
 * (login's first connection: trust on first use), `fingerprint` is the top of the signed chain.
 */
export async function connectPinned(
  url: URL,
  pin: string | undefined,
  timeoutMs: number,
): Promise<{ socket: TLSSocket; fingerprint: string }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const socket = connect({
    host,
    port: Number(url.port || 443),
    ...(!isIP(host) && { servername: host }),
    rejectUnauthorized: false,
  });
  try {
    await once(socket, 'secureConnect', { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const chain = peerChain(socket);
  const why = pin === undefined ? undefined : pinVerdict(chain, pin, host);
  if (why !== undefined) {
    socket.destroy();
    throw new CertificateMismatchError(url.origin, pin!, why);
  }
  return { socket, fingerprint: pin ?? signedChain(chain).at(-1)! };
}

export interface Sent {
  status: number;
  text: string;
}

/** One HTTP request on a pinned connection: the token in `headers` leaves only after the check. */
export async function sendPinned(
  url: URL,
  pin: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<Sent> {
  const { socket } = await connectPinned(url, pin, init.timeoutMs);
  const req = request({
    method: init.method,
    path: `${url.pathname}${url.search}`,
    headers: { ...init.headers, host: url.host },
    createConnection: () => socket,
    signal: AbortSignal.timeout(init.timeoutMs),
  });
  req.end(init.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, text };
}
