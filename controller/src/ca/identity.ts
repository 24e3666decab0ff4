import type { PeerCertificate } from 'node:tls';
import { isAgentName } from '@portwarden/common/agent-name';

const URI_PREFIX = 'urn:portwarden:agent:';

/** The SAN URI that names an agent in its certificate. */
export const agentUri = (name: string) => `${URI_PREFIX}${name}`;

/** Who a verified client certificate says the peer is. */
export interface PeerIdentity {
  name: string;
  /** Upper-case hex. */
  serial: string;
}

/**
 * Reads the agent's identity from a certificate the TLS layer has already verified against the
 * CA: the SAN URI `urn:portwarden:agent:NAME`, with a subject CN that agrees. Undefined when the
 * certificate names no agent (a server certificate, or one made by hand).
 */
export function identityOf(cert: PeerCertificate): PeerIdentity | undefined {
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith(`URI:${URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${URI_PREFIX}`.length));
  const name = uris[0];
  const cn = cert.subject?.CN;
  if (uris.length !== 1 || !name || !isAgentName(name) || cn !== name) return undefined;
  return { name, serial: cert.serialNumber.toUpperCase() };
}
