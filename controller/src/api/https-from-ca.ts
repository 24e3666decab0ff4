import type { FastifyInstance } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import type { ServerCertificates } from '../ca/server-certificates.js';

/** What the HTTP API needs of the controller CA's server certificate (ca/server-certificates.ts). */
export type CaCertificates = Pick<
  ServerCertificates,
  'current' | 'addIdentityCertificateListener' | 'removeIdentityCertificateListener'
>;

/**
 * --http-tls-from-ca: the HTTPS server, made with the certificate in force at start, swaps in each
 * renewal (open connections keep the old one) until the API closes. fastify makes its server only
 * with key and cert in hand, hence the first one is given at creation and the rest here.
 */
export function followCaCertificates(app: FastifyInstance, certificates: CaCertificates): void {
  const server = app.server as unknown as TlsServer;
  const listener = (identity: { certificate: Buffer; privateKey: Buffer } | null) => {
    if (identity) server.setSecureContext({ cert: identity.certificate, key: identity.privateKey });
  };
  certificates.addIdentityCertificateListener(listener);
  app.addHook('onClose', async () => certificates.removeIdentityCertificateListener(listener));
}
