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

/** Reasons of firewall checks; the detail names the profile and the provider. */
export const FIREWALL_REASONS = [
  'firewall-disabled',
  'firewall-unknown',
  'gpo-override',
  'service-stopped',
] as const;

/** Reasons a response round yields instead of the probe's own: nothing ran, the alert goes ahead. */
export const RESPONSE_REASONS = ['response-denied', 'reboot-suppressed'] as const;

/** Reasons that do not come from a probe but from the agent or the controller. */
export const SYSTEM_REASONS = ['internal', 'agent-unreachable'] as const;

export const REASONS = [
  ...PORT_REASONS,
  ...FIREWALL_REASONS,
  ...RESPONSE_REASONS,
  ...SYSTEM_REASONS,
] as const;

export type Reason = (typeof REASONS)[number];
export type FirewallReason = (typeof FIREWALL_REASONS)[number];
export type ResponseReason = (typeof RESPONSE_REASONS)[number];

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
  'firewall-disabled': 'a firewall profile that should be on is off',
  'firewall-unknown': 'the firewall state could not be read; see the detail',
  'gpo-override': 'Group Policy keeps a firewall profile off; the agent does not fight it',
  'service-stopped': 'the firewall service (Windows MpsSvc) is not running',
  'response-denied': "the agent's local config does not allow the response the policy asks for",
  'reboot-suppressed':
    'the reboot guard held a reboot back (limit reached, uptime too short, or Group Policy)',
  internal: 'the probe itself failed; see the detail',
  'agent-unreachable': 'the agent stopped sending heartbeats',
};
