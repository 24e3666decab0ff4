import type { SystemDeps } from '../../system/system.js';
import { probeFirewall, type FirewallProbeResult } from './probe.js';
import { defaultFirewallSpec, type FirewallProfile, type ProviderChoice } from './spec.js';

export interface FirewallStatusOptions {
  /** @default 'auto' */
  provider?: ProviderChoice;
  /** @default all three (Windows) */
  profiles?: FirewallProfile[];
  /** Print the result as JSON instead of text. */
  json: boolean;
}

/**
 * `portwarden-agent firewall-status`: probes the local firewall once, as a `notify` check would,
 * and prints the result exactly as the agent would report it. Returns the exit code: 0 when the
 * firewall is on, 1 when it is off or its state is unknown.
 */
export async function firewallStatus(
  options: FirewallStatusOptions,
  deps: { system: SystemDeps; write(text: string): void },
): Promise<number> {
  const spec = defaultFirewallSpec({
    mode: 'notify',
    ...(options.provider && { provider: options.provider }),
    ...(options.profiles && { profiles: options.profiles }),
  });
  const result = await probeFirewall(spec, { system: deps.system });
  deps.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatStatus(result));
  return result.outcome === 'up' ? 0 : 1;
}

const SUMMARY: Record<string, string> = {
  'firewall-disabled': 'off',
  'gpo-override': 'off',
  'service-stopped': 'off',
  'firewall-unknown': 'unknown',
};

/** The text form: the verdict, then one line per profile, then service, Group Policy and notes. */
export function formatStatus(result: FirewallProbeResult): string {
  const { firewall } = result;
  const lines = [
    `firewall: ${result.outcome === 'up' ? 'on' : `${SUMMARY[result.reason ?? ''] ?? 'down'} (${result.reason})`}`,
    `detail:   ${result.detail}`,
    `provider: ${firewall.provider ?? 'none'} (found on this host: ${firewall.found.join(', ') || 'none'})`,
  ];
  if (firewall.profiles.length > 0) {
    lines.push('', 'PROFILE  STATE    GROUP POLICY  HOW');
    for (const p of firewall.profiles) {
      const gpo = p.gpoOverride === undefined ? '-' : p.gpoOverride ? 'override' : 'none';
      lines.push(`${p.profile.padEnd(8)} ${p.state.padEnd(8)} ${gpo.padEnd(13)} ${p.detail}`);
    }
  }
  if (firewall.service)
    lines.push(
      '',
      `service ${firewall.service.name}: ${firewall.service.state} (${firewall.service.detail})`,
    );
  if (firewall.gpo) lines.push(`group policy: ${firewall.gpo.detail}`);
  for (const note of firewall.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
