import {
  FIREWALL_MODE_WORDS,
  FIREWALL_PROFILE_WORDS,
  PROVIDER_CHOICE_WORDS,
} from '@portwarden/proto/agent/v1/words';
import type { FirewallCheck, ResponseAction } from '@portwarden/proto/agent/v1';
import { firewallSpecProblems, FIREWALL_SPEC_DEFAULTS, type FirewallSpec } from '../probes/firewall/spec.js';
import { defaultResponseSpec, type ResponseInput, type ResponseSpec } from '../responses/spec.js';
import { known, type Report } from './known.js';

/** A pushed firewall check -> the probe's spec. An enum value this agent does not know is refused. */
export function firewallSpec(check: FirewallCheck, report: Report): FirewallSpec {
  const defaults = FIREWALL_SPEC_DEFAULTS;
  // Read in the order of the fields, so that problems are reported in that order.
  const mode = known(FIREWALL_MODE_WORDS, check.mode, 'firewall.mode', report, defaults.mode);
  const profiles = check.profiles.flatMap(
    (p) => known(FIREWALL_PROFILE_WORDS, p, 'firewall.profiles', report) ?? [],
  );
  const spec: FirewallSpec = {
    mode,
    profiles: profiles.length > 0 ? [...new Set(profiles)] : [...defaults.profiles],
    provider: known(PROVIDER_CHOICE_WORDS, check.provider, 'firewall.provider', report, defaults.provider),
    timeoutMs: check.timeoutMs || defaults.timeoutMs,
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
