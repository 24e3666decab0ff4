/**
 * The closed set of reason codes a result can carry. A result that is `down` always names one;
 * the controller rejects any other string at the edge.
 */
export const PORT_REASONS = [
  'refused',
  'connect-timeout',
  'read-timeout',
  'dns',
  'unreachable',
  'reset',
  'closed',
  'expect-mismatch',
  'tls',
  'cert-expiring',
  'slow',
  'exposed',
] as const;

/** Reasons that do not come from a probe but from the agent or the controller. */
export const SYSTEM_REASONS = ['internal', 'agent-unreachable'] as const;

export const REASONS = [...PORT_REASONS, ...SYSTEM_REASONS] as const;

export type Reason = (typeof REASONS)[number];

const reasonSet: ReadonlySet<string> = new Set(REASONS);

export function isReason(value: string): value is Reason {
  return reasonSet.has(value);
}

/** One line per reason, for documentation, alerts and the CLI. */
export const REASON_TEXT: Record<Reason, string> = {
  refused: 'the connection was refused (nothing listens on the port)',
  'connect-timeout': 'no answer to the connection attempt within the connect timeout',
  'read-timeout': 'connected, but the expected text did not arrive within the timeout',
  dns: 'the host name could not be resolved',
  unreachable: 'no route to the host or network',
  reset: 'the peer reset the connection',
  closed: 'the peer closed the connection before the expected text arrived',
  'expect-mismatch': 'the reply did not contain the expected text',
  tls: 'the TLS handshake failed',
  'cert-expiring': 'the certificate expires within the configured window',
  slow: 'the probe succeeded but took longer than slowAfter',
  exposed: 'the port accepted a connection but must not be reachable',
  internal: 'the probe itself failed; see the detail',
  'agent-unreachable': 'the agent stopped sending heartbeats',
};
