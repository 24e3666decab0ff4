import { FirewallProvider, type FirewallReport as WireReport } from '@portwarden/proto/agent/v1';
import {
  FIREWALL_STATE_WORDS,
  PROFILE_NAME_WORDS,
  PROVIDER_NAME_WORDS,
} from '@portwarden/proto/agent/v1/words';
import type { FirewallReport } from './report.js';
import type { ProfileState, ServiceState } from './provider.js';

/** The report as it travels in a Result. */
export function toProtoFirewallReport(report: FirewallReport): WireReport {
  return {
    provider: report.provider
      ? PROVIDER_NAME_WORDS.encode(report.provider)
      : FirewallProvider.FIREWALL_PROVIDER_UNSPECIFIED,
    found: report.found.map((p) => PROVIDER_NAME_WORDS.encode(p)),
    profiles: report.profiles.map((p) => ({
      profile: PROFILE_NAME_WORDS.encode(p.profile),
      state: FIREWALL_STATE_WORDS.encode(p.state),
      detail: p.detail,
      ...(p.gpoOverride !== undefined && { gpoOverride: p.gpoOverride }),
    })),
    ...(report.service && {
      service: {
        name: report.service.name,
        state: FIREWALL_STATE_WORDS.encode(SERVICE_AS_PROFILE[report.service.state]),
        detail: report.service.detail,
      },
    }),
    notes: report.notes,
  };
}

/** The contract carries the firewall service's state as a profile's: running is on. */
const SERVICE_AS_PROFILE: Record<ServiceState, ProfileState> = {
  running: 'on',
  stopped: 'off',
  unknown: 'unknown',
};
