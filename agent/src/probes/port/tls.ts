import type { TLSSocket } from 'node:tls';
import { formatDuration } from '@portwarden/common/duration';
import { down, type Verdict } from './conversation.js';

/**
 * How a TLS failure reads. Socket-level events keep their own reasons (the peer closed or reset
 * the connection during the handshake); everything OpenSSL or the certificate check refused is
 * reason `tls`, with OpenSSL's own words and code.
 */
export function handshakeFailure(err: NodeJS.ErrnoException & { reason?: string }, where: string): Verdict {
  if (err.code === 'ECONNRESET' && err.syscall === undefined) {
    // Node's wording for a FIN before the handshake finished.
    return down('closed', `connection closed by peer during the TLS handshake with ${where}`);
  }
  if (err.code === 'ECONNRESET')
    return down('reset', `connection reset by peer during the TLS handshake with ${where}`);
  if (err.code === 'EPIPE')
    return down('closed', `connection closed by peer during the TLS handshake with ${where}`);
  const why = err.reason ?? err.message;
  return down('tls', `TLS handshake with ${where} failed: ${why}${err.code ? ` (${err.code})` : ''}`);
}

/** A short description of an established session, for an `up` detail and the transcript. */
export function sessionSummary(socket: TLSSocket): string {
  return `${socket.getProtocol() ?? 'TLS'} ${socket.getCipher()?.name ?? ''}`.trim();
}

/**
 * `cert-expiring` when the server's certificate expires within `withinMs` of `now` (or has
 * expired, which only a probe with tlsVerify off gets this far with); undefined when it is fine.
 */
export function certificateVerdict(
  socket: TLSSocket,
  withinMs: number,
  now = Date.now(),
): Verdict | undefined {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return down('tls', 'the server sent no certificate');
  const notAfter = new Date(cert.validTo);
  const left = notAfter.getTime() - now;
  if (left > withinMs) return undefined;
  const subject = cert.subject.split('\n').join(', ');
  const when = notAfter.toISOString();
  return down(
    'cert-expiring',
    left <= 0
      ? `certificate ${subject} expired on ${when}`
      : `certificate ${subject} expires on ${when}, within ${formatDuration(withinMs)}`,
  );
}
