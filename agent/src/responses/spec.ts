import { parseDuration } from '@portwarden/common/duration';
import { ConfigError } from '@portwarden/common/errors';
import { argumentsProblem, programPathProblem, serviceNameProblem } from '../system/validate.js';
import type { FirewallProfile, FirewallSpec, ProviderChoice } from '../probes/firewall/spec.js';

export { RESPONSE_KINDS, type ResponseKind } from '@portwarden/common/firewall';

/** One response, every default filled in, durations in milliseconds: what the executor runs. */
export type ResponseSpec =
  | { kind: 'restart-service'; service: string; timeoutMs: number }
  | { kind: 'run-program'; path: string; args: string[]; timeoutMs: number }
  | { kind: 'firewall-enable'; profiles: FirewallProfile[]; provider: ProviderChoice; timeoutMs: number }
  | { kind: 'reboot' };

export const RESPONSE_DEFAULTS = {
  /** Restart-Service and systemctl restart wait for the service; a minute covers slow starters. */
  restartTimeoutMs: 60_000,
  runProgramTimeoutMs: 60_000,
} as const;

/**
 * A response as the policy writes it, on a check (`response:`): exactly one key. A firewall
 * check's mode implies its responses instead (see `firewallResponses`).
 */
export type ResponseInput =
  | { restartService: string; timeout?: string }
  | { runProgram: { path: string; args?: string[]; timeout?: string } }
  | { reboot: true };

/** Fills the defaults and checks names, paths and arguments; throws a ConfigError naming every problem. */
export function defaultResponseSpec(input: ResponseInput, platform: NodeJS.Platform): ResponseSpec {
  const problems: string[] = [];
  const duration = (text: string | undefined, fallback: number, key: string) => {
    if (text === undefined) return fallback;
    try {
      return parseDuration(text, key);
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message}`);
      return fallback;
    }
  };
  let spec: ResponseSpec;
  if ('restartService' in input) {
    const problem = serviceNameProblem(input.restartService, platform);
    if (problem) problems.push(`restartService: ${problem}`);
    const timeoutMs = duration(input.timeout, RESPONSE_DEFAULTS.restartTimeoutMs, 'timeout');
    spec = { kind: 'restart-service', service: input.restartService, timeoutMs };
  } else if ('runProgram' in input) {
    const { path, args = [], timeout } = input.runProgram;
    const problem = programPathProblem(path, platform) ?? argumentsProblem(args, platform);
    if (problem) problems.push(`runProgram: ${problem}`);
    const timeoutMs = duration(timeout, RESPONSE_DEFAULTS.runProgramTimeoutMs, 'runProgram.timeout');
    spec = { kind: 'run-program', path, args: [...args], timeoutMs };
  } else if ('reboot' in input && input.reboot === true) {
    spec = { kind: 'reboot' };
  } else {
    throw new ConfigError('invalid response: use one of restartService, runProgram, reboot: true');
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid response: ${problems.join('; ')}`, 'fix the response and apply again');
  }
  return spec;
}

/** The responses a firewall check's mode implies, in the order they escalate. */
export function firewallResponses(spec: FirewallSpec): ResponseSpec[] {
  const enable: ResponseSpec = {
    kind: 'firewall-enable',
    profiles: [...spec.profiles],
    provider: spec.provider,
    timeoutMs: spec.timeoutMs,
  };
  if (spec.mode === 'enable') return [enable];
  if (spec.mode === 'enable-or-reboot') return [enable, { kind: 'reboot' }];
  return [];
}

/** What a response acts on, for reports: a service, a program, profiles, the host. */
export function responseTarget(response: ResponseSpec): string {
  switch (response.kind) {
    case 'restart-service':
      return response.service;
    case 'run-program':
      return response.path;
    case 'firewall-enable':
      return response.profiles.join(',');
    case 'reboot':
      return 'host';
  }
}
