import type { FirewallMode, FirewallProfile, ProviderChoice } from '@portwarden/common/firewall';
import type { ResolvedFirewallCheck, ResolvedResponse } from '@portwarden/common/policy/resolved';
import {
  FirewallMode as WireMode,
  FirewallProfile as WireProfile,
  FirewallProvider as WireProvider,
  type FirewallCheck,
  type ResponseAction,
} from '@portwarden/proto/agent/v1';

/** A firewall check for the agent; the mode implies the responses, so none travel with it. */
export function toFirewallCheck(check: ResolvedFirewallCheck): FirewallCheck {
  return {
    mode: MODES[check.firewall.mode],
    profiles: check.firewall.profiles.map((p) => PROFILES[p]),
    provider: PROVIDERS[check.firewall.provider],
    timeoutMs: check.timeoutMs,
  };
}

/** A port check's response, as the agent runs it if its local config allows it. */
export function toResponseAction(response: ResolvedResponse): ResponseAction {
  switch (response.kind) {
    case 'restart-service':
      return {
        action: { $case: 'restartService', value: { name: response.service, timeoutMs: response.timeoutMs } },
      };
    case 'run-program':
      return {
        action: {
          $case: 'runProgram',
          value: { path: response.path, args: response.args, timeoutMs: response.timeoutMs },
        },
      };
    case 'reboot':
      return { action: { $case: 'reboot', value: {} } };
  }
}

const MODES: Record<FirewallMode, WireMode> = {
  off: WireMode.FIREWALL_MODE_OFF,
  notify: WireMode.FIREWALL_MODE_NOTIFY,
  enable: WireMode.FIREWALL_MODE_ENABLE,
  'enable-or-reboot': WireMode.FIREWALL_MODE_ENABLE_OR_REBOOT,
};

const PROFILES: Record<FirewallProfile, WireProfile> = {
  domain: WireProfile.FIREWALL_PROFILE_DOMAIN,
  private: WireProfile.FIREWALL_PROFILE_PRIVATE,
  public: WireProfile.FIREWALL_PROFILE_PUBLIC,
};

const PROVIDERS: Record<ProviderChoice, WireProvider> = {
  auto: WireProvider.FIREWALL_PROVIDER_UNSPECIFIED,
  powershell: WireProvider.FIREWALL_PROVIDER_POWERSHELL,
  netsh: WireProvider.FIREWALL_PROVIDER_NETSH,
  firewalld: WireProvider.FIREWALL_PROVIDER_FIREWALLD,
  ufw: WireProvider.FIREWALL_PROVIDER_UFW,
  nftables: WireProvider.FIREWALL_PROVIDER_NFTABLES,
  iptables: WireProvider.FIREWALL_PROVIDER_IPTABLES,
};
