import type { FirewallProfile, ProviderChoice } from '@portwarden/common/firewall';
import {
  FirewallMode as WireMode,
  FirewallProfile as WireProfile,
  FirewallProvider as WireProvider,
  type FirewallCheck,
  type ResponseAction,
} from '@portwarden/proto/agent/v1';
import { firewallSpecProblems, FIREWALL_SPEC_DEFAULTS, type FirewallSpec } from '../probes/firewall/spec.js';
import { defaultResponseSpec, type ResponseInput, type ResponseSpec } from '../responses/spec.js';

type Report = (message: string) => void;

/** A pushed firewall check -> the probe's spec. An enum value this agent does not know is refused. */
export function firewallSpec(check: FirewallCheck, report: Report): FirewallSpec {
  const mode = MODES[check.mode];
  if (mode === undefined) report(`firewall.mode has an unknown value ${check.mode}`);
  const profiles = check.profiles.flatMap((p) => {
    const profile = PROFILES[p];
    if (profile === undefined) report(`firewall.profiles has an unknown value ${p}`);
    return profile ? [profile] : [];
  });
  const provider = PROVIDERS[check.provider];
  if (provider === undefined) report(`firewall.provider has an unknown value ${check.provider}`);
  const spec: FirewallSpec = {
    mode: mode ?? 'notify',
    profiles: profiles.length > 0 ? [...new Set(profiles)] : [...FIREWALL_SPEC_DEFAULTS.profiles],
    provider: provider ?? 'auto',
    timeoutMs: check.timeoutMs || FIREWALL_SPEC_DEFAULTS.timeoutMs,
  };
  for (const problem of firewallSpecProblems(spec)) report(`firewall.${problem}`);
  return spec;
}

/**
 * A port check's responses -> what the executor runs, checked by this platform's rules (service
 * names, program paths, arguments). Whether this agent allows them is decided when they run.
 */
export function responseSpecs(
  actions: readonly ResponseAction[],
  platform: NodeJS.Platform,
  report: Report,
): ResponseSpec[] {
  return actions.flatMap((wire, i) => {
    const input = responseInput(wire);
    if (!input) {
      report(`responses[${i}] has an action this agent does not know`);
      return [];
    }
    try {
      return [defaultResponseSpec(input, platform)];
    } catch (err) {
      report(`responses[${i}]: ${(err as Error).message}`);
      return [];
    }
  });
}

function responseInput({ action }: ResponseAction): ResponseInput | undefined {
  const ms = (timeoutMs: number) => (timeoutMs > 0 ? { timeout: `${timeoutMs}ms` } : {});
  switch (action?.$case) {
    case 'restartService':
      return { restartService: action.value.name, ...ms(action.value.timeoutMs) };
    case 'runProgram':
      return {
        runProgram: { path: action.value.path, args: action.value.args, ...ms(action.value.timeoutMs) },
      };
    case 'reboot':
      return { reboot: true };
    default:
      return undefined;
  }
}

const MODES: Partial<Record<WireMode, FirewallSpec['mode']>> = {
  [WireMode.FIREWALL_MODE_UNSPECIFIED]: 'notify',
  [WireMode.FIREWALL_MODE_OFF]: 'off',
  [WireMode.FIREWALL_MODE_NOTIFY]: 'notify',
  [WireMode.FIREWALL_MODE_ENABLE]: 'enable',
  [WireMode.FIREWALL_MODE_ENABLE_OR_REBOOT]: 'enable-or-reboot',
};

const PROFILES: Partial<Record<WireProfile, FirewallProfile>> = {
  [WireProfile.FIREWALL_PROFILE_DOMAIN]: 'domain',
  [WireProfile.FIREWALL_PROFILE_PRIVATE]: 'private',
  [WireProfile.FIREWALL_PROFILE_PUBLIC]: 'public',
};

const PROVIDERS: Partial<Record<WireProvider, ProviderChoice>> = {
  [WireProvider.FIREWALL_PROVIDER_UNSPECIFIED]: 'auto',
  [WireProvider.FIREWALL_PROVIDER_POWERSHELL]: 'powershell',
  [WireProvider.FIREWALL_PROVIDER_NETSH]: 'netsh',
  [WireProvider.FIREWALL_PROVIDER_FIREWALLD]: 'firewalld',
  [WireProvider.FIREWALL_PROVIDER_UFW]: 'ufw',
  [WireProvider.FIREWALL_PROVIDER_NFTABLES]: 'nftables',
  [WireProvider.FIREWALL_PROVIDER_IPTABLES]: 'iptables',
};
