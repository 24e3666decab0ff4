import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { formatFingerprint } from '@portwarden/common/enrollment-token';
import { EnrollError } from './errors.js';

/** `host:port` or `[v6]:port` -> its parts. */
export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(at + 1)) };
}

/**
 * First contact: the agent trusts no CA yet. It opens a TLS connection that verifies nothing,
 * looks in the chain the controller presents for the certificate whose SHA-256 the token pins,
 * and hangs up. That certificate becomes the only root for the Enroll call itself, which then
 * verifies the chain and the host name as usual: a machine in between cannot present a chain
 * to the pinned CA, and so never sees the token.
 */
export function fetchPinnedCa(address: string, pin: Buffer, timeoutMs = 10_000): Promise<string> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) === 0 && { servername: host }),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no TLS answer from ${address} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const ca = findPinned(socket.getPeerCertificate(true), pin);
      socket.end();
      if (ca) return resolve(ca);
      reject(
        new EnrollError(
          `the controller at ${address} presented no certificate from the CA the token pins (${formatFingerprint(pin)})`,
          'check --controller: it must reach the controller that created the token (nothing in between may terminate TLS)',
          { final: true },
        ),
      );
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function findPinned(leaf: DetailedPeerCertificate, pin: Buffer): string | undefined {
  const seen = new Set<DetailedPeerCertificate>();
  for (
    let cert: DetailedPeerCertificate | undefined = leaf;
    cert?.raw && !seen.has(cert);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert);
    if (createHash('sha256').update(cert.raw).digest().equals(pin)) return toPem(cert.raw);
  }
  return undefined;
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
