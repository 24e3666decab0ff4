import type { ResolvedFirewallCheck, ResolvedResponse } from '@portwarden/common/policy/resolved';
import type { FirewallCheck, ResponseAction } from '@portwarden/proto/agent/v1';
import {
  FIREWALL_MODE_WORDS,
  FIREWALL_PROFILE_WORDS,
  PROVIDER_CHOICE_WORDS,
} from '@portwarden/proto/agent/v1/words';

/** A firewall check for the agent; the mode implies the responses, so none travel with it. */
export function toFirewallCheck(check: ResolvedFirewallCheck): FirewallCheck {
  return {
    mode: FIREWALL_MODE_WORDS.encode(check.firewall.mode),
    profiles: check.firewall.profiles.map((p) => FIREWALL_PROFILE_WORDS.encode(p)),
    provider: PROVIDER_CHOICE_WORDS.encode(check.firewall.provider),
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
