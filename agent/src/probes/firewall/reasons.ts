import type { Reason } from '@portwarden/common/reasons';

/**
 * Reasons of firewall checks and of responses. They belong in `common/src/reasons.ts` with the
 * others (the controller rejects unknown reasons at the edge); they live here until the work on
 * common lands, then move there unchanged and this file re-exports them.
 */
export const FIREWALL_REASONS = [
  'firewall-disabled',
  'firewall-unknown',
  'gpo-override',
  'service-stopped',
] as const;

/** Reasons a response yields instead of the probe's own. */
export const RESPONSE_REASONS = ['response-denied', 'reboot-suppressed'] as const;

export const AGENT_REASONS = [...FIREWALL_REASONS, ...RESPONSE_REASONS] as const;

export type FirewallReason = (typeof FIREWALL_REASONS)[number];
export type ResponseReason = (typeof RESPONSE_REASONS)[number];
export type AgentReason = (typeof AGENT_REASONS)[number];

/** A reason the shared set knows, or one of these until they move there. */
export type AnyReason = Reason | AgentReason;

/** One line per reason, for documentation, alerts and the CLI (to merge into REASON_TEXT). */
export const AGENT_REASON_TEXT: Record<AgentReason, string> = {
  'firewall-disabled': 'a firewall profile that should be on is off',
  'firewall-unknown': 'the firewall state could not be read; see the detail',
  'gpo-override': 'Group Policy keeps a firewall profile off; the agent does not fight it',
  'service-stopped': 'the firewall service (Windows MpsSvc) is not running',
  'response-denied': "the agent's local config does not allow the response the policy asks for",
  'reboot-suppressed':
    'the reboot guard held a reboot back (limit reached, uptime too short, or Group Policy)',
};
