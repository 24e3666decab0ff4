import { parseDuration } from '@portwarden/common/duration';
import { ConfigError } from '@portwarden/common/errors';
import { PROVIDER_OPTION_DEFAULTS, type ProviderOptions } from '../probes/firewall/provider.js';
import { programPathProblem, rulesFileProblem, serviceNameProblem } from '../system/validate.js';
import { REBOOT_GUARD_DEFAULTS, type RebootGuardOptions } from './guard.js';
import { RESPONSE_KINDS, type ResponseKind, type ResponseSpec } from './spec.js';

/**
 * The second key. A response runs only when the policy asks for it AND this agent's own local
 * config allows it: the kind, and for services and programs the exact name or path. Nothing is
 * allowed by default. The controller cannot change this; only whoever administers the server can.
 */
export interface ResponsesConfig {
  /** Kinds of response this agent may run. @default [] */
  allow: ResponseKind[];
  /** Exact service names `restart-service` may restart (case-insensitive on Windows). @default [] */
  services: string[];
  /** Exact absolute program paths `run-program` may run (case-insensitive on Windows). @default [] */
  programs: string[];
  /** Limits on reboots. @default 1 per 24h, none under 30m of uptime */
  reboot: RebootGuardOptions;
  /** How `firewall-enable` loads rules on Linux, and netsh's code page on Windows. */
  firewall: ProviderOptions;
}

/**
 * The local config as written (YAML or JSON), under `responses:`:
 *
 * ```yaml
 * responses:
 *   allow: [restart-service, run-program, firewall-enable, reboot]
 *   services: [nginx.service]
 *   programs: [/usr/local/sbin/heal-web]
 *   maxReboots: 1
 *   rebootWindow: 24h
 *   minUptime: 30m
 *   firewall: { nftablesRuleset: /etc/nftables.conf, iptablesRules: /etc/iptables/rules.v4 }
 * ```
 */
export interface ResponsesConfigInput {
  allow?: string[];
  services?: string[];
  programs?: string[];
  maxReboots?: number;
  rebootWindow?: string;
  minUptime?: string;
  firewall?: Partial<ProviderOptions>;
}

export const RESPONSES_CONFIG_DEFAULTS: ResponsesConfig = {
  allow: [],
  services: [],
  programs: [],
  reboot: REBOOT_GUARD_DEFAULTS,
  firewall: PROVIDER_OPTION_DEFAULTS,
};

const KEYS = ['allow', 'services', 'programs', 'maxReboots', 'rebootWindow', 'minUptime', 'firewall'];
const FIREWALL_KEYS = Object.keys(PROVIDER_OPTION_DEFAULTS);

/** Reads the local config, unknown keys rejected; throws a ConfigError listing every problem with its path. */
export function parseResponsesConfig(
  input: unknown,
  platform: NodeJS.Platform,
  where = 'responses',
): ResponsesConfig {
  if (input === undefined || input === null) return RESPONSES_CONFIG_DEFAULTS;
  const problems: string[] = [];
  const at = (key: string, message: string) => problems.push(`${where}.${key}: ${message}`);
  if (typeof input !== 'object' || Array.isArray(input)) throw new ConfigError(`${where}: must be a mapping`);
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KEYS.includes(key)) at(key, 'unknown key');
  const strings = (key: string): string[] => {
    const value = raw[key] ?? [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    at(key, 'must be a list of strings');
    return [];
  };
  const allow = strings('allow');
  allow.forEach((kind, i) => {
    if (!(RESPONSE_KINDS as readonly string[]).includes(kind))
      at(`allow[${i}]`, `unknown response "${kind}"; use ${RESPONSE_KINDS.join(', ')}`);
  });
  const services = strings('services');
  services.forEach((name, i) => {
    const problem = serviceNameProblem(name, platform);
    if (problem) at(`services[${i}]`, problem);
  });
  const programs = strings('programs');
  programs.forEach((file, i) => {
    const problem = programPathProblem(file, platform);
    if (problem) at(`programs[${i}]`, problem);
  });
  const config: ResponsesConfig = {
    allow: allow as ResponseKind[],
    services,
    programs,
    reboot: rebootOptions(raw, at),
    firewall: firewallOptions(raw.firewall, at),
  };
  if (problems.length > 0) {
    throw new ConfigError(
      `invalid local responses config:\n  ${problems.join('\n  ')}`,
      'fix the listed keys',
    );
  }
  return config;
}

function rebootOptions(
  raw: Record<string, unknown>,
  at: (key: string, message: string) => void,
): RebootGuardOptions {
  const duration = (key: string, fallback: number) => {
    const value = raw[key];
    if (value === undefined) return fallback;
    try {
      return parseDuration(String(value), key);
    } catch (err) {
      at(key, (err as Error).message);
      return fallback;
    }
  };
  const max = raw.maxReboots ?? REBOOT_GUARD_DEFAULTS.maxReboots;
  if (!Number.isInteger(max) || (max as number) < 0) at('maxReboots', 'must be a whole number, 0 or more');
  return {
    maxReboots: Number.isInteger(max) ? (max as number) : REBOOT_GUARD_DEFAULTS.maxReboots,
    windowMs: duration('rebootWindow', REBOOT_GUARD_DEFAULTS.windowMs),
    minUptimeMs: duration('minUptime', REBOOT_GUARD_DEFAULTS.minUptimeMs),
  };
}

function firewallOptions(value: unknown, at: (key: string, message: string) => void): ProviderOptions {
  if (value === undefined) return PROVIDER_OPTION_DEFAULTS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at('firewall', 'must be a mapping');
    return PROVIDER_OPTION_DEFAULTS;
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!FIREWALL_KEYS.includes(key)) at(`firewall.${key}`, 'unknown key');
  const options = { ...PROVIDER_OPTION_DEFAULTS, ...raw } as ProviderOptions;
  for (const key of ['nftablesRuleset', 'iptablesRules'] as const) {
    const problem = typeof options[key] === 'string' ? rulesFileProblem(options[key]) : 'must be a path';
    if (problem) at(`firewall.${key}`, problem);
  }
  if (!['auto', 'nft', 'legacy'].includes(options.iptablesBackend))
    at('firewall.iptablesBackend', 'use auto, nft or legacy');
  if (!Number.isInteger(options.oemCodePage) || options.oemCodePage < 0)
    at('firewall.oemCodePage', 'must be a code page number, or 0 to read it from the registry');
  return options;
}

/** Why this agent does not allow a response, or undefined when it does. Names and paths match exactly. */
export function deniedBecause(
  response: ResponseSpec,
  config: ResponsesConfig,
  platform: NodeJS.Platform,
): string | undefined {
  if (!config.allow.includes(response.kind)) {
    return `${response.kind} is not allowed by this agent's local config (add it to responses.allow)`;
  }
  const same = (a: string, b: string) =>
    platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
  if (response.kind === 'restart-service' && !config.services.some((s) => same(s, response.service))) {
    return `service ${JSON.stringify(response.service)} is not in this agent's responses.services`;
  }
  if (response.kind === 'run-program' && !config.programs.some((p) => same(p, response.path))) {
    return `program ${JSON.stringify(response.path)} is not in this agent's responses.programs`;
  }
  return undefined;
}
