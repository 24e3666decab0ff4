import { ConfigError } from '@portwarden/common/errors';
import {
  FIREWALL_MODES,
  FIREWALL_PROFILES,
  PROVIDER_NAMES,
  type FirewallMode,
  type FirewallProfile,
  type ProviderChoice,
} from '@portwarden/common/firewall';

export {
  FIREWALL_MODES,
  FIREWALL_PROFILES,
  LINUX_PROVIDERS,
  PROVIDER_NAMES,
  WINDOWS_PROVIDERS,
  type FirewallMode,
  type FirewallProfile,
  type ProviderChoice,
  type ProviderName,
} from '@portwarden/common/firewall';

/**
 * What one `firewall` probe does, every default filled in, durations in milliseconds. The policy
 * edge builds it with `defaultFirewallSpec`, as `defaultPortSpec` does for ports.
 */
export interface FirewallSpec {
  /** @default 'notify' */
  mode: FirewallMode;
  /** Windows profiles that must be on; ignored on Linux. @default all three */
  profiles: FirewallProfile[];
  /**
   * Which tool reads and sets the firewall. `auto`: on Windows PowerShell, falling back to netsh;
   * on Linux the first manager that is active, else the first installed, in the order
   * firewalld, ufw, nftables, iptables. @default 'auto'
   */
  provider: ProviderChoice;
  /** Bounds the whole probe, every command included. @default 60_000 */
  timeoutMs: number;
}

export const FIREWALL_SPEC_DEFAULTS = {
  mode: 'notify',
  profiles: [...FIREWALL_PROFILES],
  provider: 'auto',
  timeoutMs: 60_000,
} as const satisfies FirewallSpec;

export type FirewallSpecInput = Partial<FirewallSpec>;

/** Fills every default in one place and checks the result; throws a ConfigError naming every problem. */
export function defaultFirewallSpec(input: FirewallSpecInput = {}): FirewallSpec {
  const spec: FirewallSpec = {
    mode: input.mode ?? FIREWALL_SPEC_DEFAULTS.mode,
    profiles: input.profiles ? [...new Set(input.profiles)] : [...FIREWALL_SPEC_DEFAULTS.profiles],
    provider: input.provider ?? FIREWALL_SPEC_DEFAULTS.provider,
    timeoutMs: input.timeoutMs ?? FIREWALL_SPEC_DEFAULTS.timeoutMs,
  };
  const problems = firewallSpecProblems(spec);
  if (problems.length > 0) {
    throw new ConfigError(
      `invalid firewall check: ${problems.join('; ')}`,
      'fix the listed options and try again',
    );
  }
  return spec;
}

/** Everything wrong with a filled-in spec, as `key: message`; empty when it can run. */
export function firewallSpecProblems(spec: FirewallSpec): string[] {
  const problems: string[] = [];
  if (!FIREWALL_MODES.includes(spec.mode)) problems.push(`mode: must be one of ${FIREWALL_MODES.join(', ')}`);
  if (spec.profiles.length === 0)
    problems.push('profiles: name at least one profile, or leave it out for all');
  for (const profile of spec.profiles) {
    if (!FIREWALL_PROFILES.includes(profile))
      problems.push(`profiles: unknown profile "${profile}"; use ${FIREWALL_PROFILES.join(', ')}`);
  }
  if (spec.provider !== 'auto' && !PROVIDER_NAMES.includes(spec.provider))
    problems.push(`provider: must be auto or one of ${PROVIDER_NAMES.join(', ')}`);
  if (!(spec.timeoutMs > 0)) problems.push('timeout: must be positive');
  return problems;
}
