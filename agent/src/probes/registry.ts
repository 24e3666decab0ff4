import { createFirewallProbe, type FirewallProbeContext } from './firewall/probe.js';
import { probePort } from './port/tcp.js';
import type { Probes } from './probe.js';

/** What probes that touch the system are built with: the command runner and local provider settings. */
export type ProbeDeps = Omit<FirewallProbeContext, 'signal'>;

/** The registry of probes by check kind, bound to one agent's system and settings. */
export function createProbes(deps: ProbeDeps): Probes {
  return { port: probePort, firewall: createFirewallProbe(deps) };
}
