import {
  FirewallProfile as WireProfile,
  FirewallProvider as WireProvider,
  FirewallState as WireState,
  type FirewallReport as WireReport,
} from '@portwarden/proto/agent/v1';
import type { FirewallReport } from './report.js';
import type { ProfileName, ProfileState, ServiceState } from './provider.js';
import type { ProviderName } from './spec.js';

/** The report as it travels in a Result. */
export function toProtoFirewallReport(report: FirewallReport): WireReport {
  return {
    provider: report.provider ? PROVIDERS[report.provider] : WireProvider.FIREWALL_PROVIDER_UNSPECIFIED,
    found: report.found.map((p) => PROVIDERS[p]),
    profiles: report.profiles.map((p) => ({
      profile: PROFILES[p.profile],
      state: STATES[p.state],
      detail: p.detail,
      ...(p.gpoOverride !== undefined && { gpoOverride: p.gpoOverride }),
    })),
    ...(report.service && {
      service: {
        name: report.service.name,
        state: SERVICE_STATES[report.service.state],
        detail: report.service.detail,
      },
    }),
    notes: report.notes,
  };
}

const PROVIDERS: Record<ProviderName, WireProvider> = {
  powershell: WireProvider.FIREWALL_PROVIDER_POWERSHELL,
  netsh: WireProvider.FIREWALL_PROVIDER_NETSH,
  firewalld: WireProvider.FIREWALL_PROVIDER_FIREWALLD,
  ufw: WireProvider.FIREWALL_PROVIDER_UFW,
  nftables: WireProvider.FIREWALL_PROVIDER_NFTABLES,
  iptables: WireProvider.FIREWALL_PROVIDER_IPTABLES,
};

const PROFILES: Record<ProfileName, WireProfile> = {
  domain: WireProfile.FIREWALL_PROFILE_DOMAIN,
  private: WireProfile.FIREWALL_PROFILE_PRIVATE,
  public: WireProfile.FIREWALL_PROFILE_PUBLIC,
  host: WireProfile.FIREWALL_PROFILE_HOST,
};

const STATES: Record<ProfileState, WireState> = {
  on: WireState.FIREWALL_STATE_ON,
  off: WireState.FIREWALL_STATE_OFF,
  unknown: WireState.FIREWALL_STATE_UNKNOWN,
};

const SERVICE_STATES: Record<ServiceState, WireState> = {
  running: WireState.FIREWALL_STATE_ON,
  stopped: WireState.FIREWALL_STATE_OFF,
  unknown: WireState.FIREWALL_STATE_UNKNOWN,
};
