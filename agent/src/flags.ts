import os from 'node:os';
import { Command, type OutputConfiguration } from 'commander';
import { AGENT_NAME_RULE, isAgentName } from '@portwarden/common/agent-name';
import { parseEnrollmentToken } from '@portwarden/common/enrollment-token';
import { ConfigError } from '@portwarden/common/errors';
import { parseLabel } from '@portwarden/common/labels';
import { readEnvFile, withEnvFile } from './env-file.js';
import { parseMetricsListen } from './metrics/listen.js';
import type { AgentOptions } from './options.js';
import { AGENT_VERSION } from './platform.js';
import type { FirewallStatusOptions } from './probes/firewall/status-command.js';
import { FIREWALL_PROFILES, PROVIDER_NAMES, type FirewallProfile } from './probes/firewall/spec.js';

/** What the command line and the environment ask for; flags win over environment variables. */
export interface CommandLine {
  agent: Pick<
    AgentOptions,
    'controllers' | 'name' | 'labels' | 'stateDir' | 'tls' | 'spoolMaxBytes' | 'configFile' | 'metricsListen'
  >;
  logLevel: string;
}

interface Flags {
  controller?: string[];
  name?: string;
  label?: string[];
  stateDir?: string;
  insecure?: boolean;
  enrollToken?: string;
  spoolMaxBytes?: string;
  config?: string;
  metricsListen?: string;
  logLevel?: string;
  environmentFile?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const collect = (value: string, previous: string[] = []) => [...previous, value];

function command(output?: OutputConfiguration): Command {
  const program = new Command('portwarden-agent')
    .description('Runs port checks on this server and streams the results to the Portwarden controller.')
    .version(AGENT_VERSION)
    .option(
      '--controller <host:port,...>',
      'controller gRPC address(es), tried in turn (env PORTWARDEN_CONTROLLER)',
      collect,
    )
    .option('--name <name>', "this agent's name (env PORTWARDEN_AGENT_NAME, default: the host name)")
    .option(
      '--label <key=value>',
      'a label policies select agents by; repeatable (env PORTWARDEN_AGENT_LABELS: k=v,k=v)',
      collect,
    )
    .option(
      '--state-dir <dir>',
      'spool and cached config (env PORTWARDEN_STATE_DIR, default: ./.portwarden/agent)',
    )
    .option(
      '--enroll-token <token>',
      'enroll with this token from `portwarden token create` if not enrolled yet (env PORTWARDEN_ENROLL_TOKEN)',
    )
    .option(
      '--spool-max-bytes <size>',
      'most bytes of results kept while undelivered, e.g. 256MiB (env PORTWARDEN_SPOOL_MAX_BYTES, default: 256MiB)',
    )
    .option(
      '--config <file>',
      "this agent's local config: what responses it allows (env PORTWARDEN_AGENT_CONFIG, default: <state-dir>/agent.yaml if it exists)",
    )
    .option(
      '--environment-file <file>',
      'KEY=VALUE lines (PORTWARDEN_CONTROLLER=..., the variables above) read as if set in the environment; real environment variables and flags win (env PORTWARDEN_ENVIRONMENT_FILE)',
    )
    .option(
      '--metrics-listen <addr>',
      'serve GET /metrics (Prometheus) on host:port, e.g. 127.0.0.1:9464; a port alone is loopback (env PORTWARDEN_METRICS_LISTEN, default: off)',
    )
    .option('--insecure', 'plaintext gRPC without certificates, for loopback only')
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (env LOG_LEVEL, default: info)`)
    .addHelpText(
      'after',
      '\nCommands:\n' +
        '  firewall-status [--provider P] [--profile X] [--json]  print the local firewall state once and exit\n' +
        '  service install|uninstall|start|stop|status|configure   the Windows service (service --help)',
    )
    .exitOverride();
  return output ? program.configureOutput(output) : program;
}

/** The subcommand that prints the local firewall state; see parseFirewallStatusCommandLine. */
export const FIREWALL_STATUS_COMMAND = 'firewall-status';

function firewallStatusCommand(output?: OutputConfiguration): Command {
  const program = new Command(`portwarden-agent ${FIREWALL_STATUS_COMMAND}`)
    .description(
      'Prints the local firewall state once, exactly as the agent reports it. Exit 0: on; 1: off or unknown; 2: usage.',
    )
    .option('--provider <provider>', `auto, ${PROVIDER_NAMES.join(', ')} (default: auto)`)
    .option(
      '--profile <profile>',
      `a Windows profile to check, repeatable: ${FIREWALL_PROFILES.join(', ')} (default: all)`,
      collect,
    )
    .option('--json', 'print the result as JSON')
    .exitOverride();
  return output ? program.configureOutput(output) : program;
}

/** Reads `firewall-status` flags (argv after the subcommand). Throws CommanderError or ConfigError. */
export function parseFirewallStatusCommandLine(
  argv: string[],
  output?: OutputConfiguration,
): FirewallStatusOptions {
  const flags = firewallStatusCommand(output)
    .parse(argv, { from: 'user' })
    .opts<{ provider?: string; profile?: string[]; json?: boolean }>();
  const provider = flags.provider ?? 'auto';
  if (provider !== 'auto' && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new ConfigError(
      `unknown firewall provider "${provider}"`,
      `use auto or one of ${PROVIDER_NAMES.join(', ')}`,
    );
  }
  for (const profile of flags.profile ?? []) {
    if (!(FIREWALL_PROFILES as readonly string[]).includes(profile)) {
      throw new ConfigError(`unknown firewall profile "${profile}"`, `use ${FIREWALL_PROFILES.join(', ')}`);
    }
  }
  const options: FirewallStatusOptions = {
    provider: provider as FirewallStatusOptions['provider'],
    json: !!flags.json,
  };
  if (flags.profile) options.profiles = flags.profile as FirewallProfile[];
  return options;
}

/**
 * Reads flags and environment into agent options. A usage error (unknown flag, --help) throws
 * commander's CommanderError; a value the user must fix throws ConfigError.
 */
export function parseCommandLine(
  argv: string[],
  realEnv: NodeJS.ProcessEnv,
  output?: OutputConfiguration,
): CommandLine {
  const flags = command(output).parse(argv, { from: 'user' }).opts<Flags>();
  // Not `--env-file`: Node itself takes that one from anywhere on the command line (node_dotenv.cc
  // stops only at `--`), SEA included, and exits 9 on a missing file before the agent runs.
  const envFile = flags.environmentFile ?? (realEnv.PORTWARDEN_ENVIRONMENT_FILE || undefined);
  const env = envFile === undefined ? realEnv : withEnvFile(realEnv, readEnvFile(envFile));
  const enrollToken = flags.enrollToken ?? (env.PORTWARDEN_ENROLL_TOKEN || undefined);
  if (flags.insecure && enrollToken)
    throw new ConfigError(
      '--insecure and an enrollment token exclude each other',
      'drop --insecure to enroll and connect with mutual TLS, or the token to run in plaintext on loopback',
    );
  // A malformed token is reported now, not after the first attempt to reach the controller.
  if (enrollToken) parseEnrollmentToken(enrollToken);
  const spoolMaxBytes = flags.spoolMaxBytes ?? (env.PORTWARDEN_SPOOL_MAX_BYTES || undefined);
  const configFile = flags.config ?? (env.PORTWARDEN_AGENT_CONFIG || undefined);
  const metricsListen = flags.metricsListen ?? (env.PORTWARDEN_METRICS_LISTEN || undefined);
  // A wrong address is a usage error now, not a failed start later.
  if (metricsListen !== undefined) parseMetricsListen(metricsListen);
  const logLevel = flags.logLevel ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`unknown log level "${logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    agent: {
      controllers: controllers(flags.controller ?? splitList(env.PORTWARDEN_CONTROLLER)),
      name: agentName(flags.name ?? (env.PORTWARDEN_AGENT_NAME || os.hostname())),
      labels: labels(flags.label ?? splitList(env.PORTWARDEN_AGENT_LABELS)),
      stateDir: flags.stateDir ?? (env.PORTWARDEN_STATE_DIR || './.portwarden/agent'),
      ...(!flags.insecure && { tls: enrollToken ? { enrollToken } : {} }),
      ...(spoolMaxBytes !== undefined && { spoolMaxBytes: byteSize(spoolMaxBytes) }),
      ...(metricsListen !== undefined && { metricsListen }),
      ...(configFile !== undefined && { configFile }),
    },
    logLevel,
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  K: 1024,
  KiB: 1024,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
};

/** `4096`, `64KiB`, `256MiB`, `1GiB` (K, M, G mean the same) -> bytes. */
function byteSize(text: string): number {
  const match = /^(\d+)\s*(K|KiB|M|MiB|G|GiB)?$/.exec(text.trim());
  const bytes = match ? Number(match[1]) * UNITS[match[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new ConfigError(
      `invalid spool size "${text}"`,
      'write a number of bytes, optionally with KiB, MiB or GiB: 256MiB',
    );
  return bytes;
}

/**
 * The controller refuses any other name at enrollment and in the hello: refused here, a service
 * installed with a bad name stops at its first start instead of retrying for ever.
 */
export function agentName(name: string): string {
  if (!isAgentName(name))
    throw new ConfigError(
      `invalid agent name "${name.slice(0, 64)}"`,
      `use ${AGENT_NAME_RULE}: web-1, not "web 1"; set it with --name or PORTWARDEN_AGENT_NAME`,
    );
  return name;
}

function splitList(text: string | undefined): string[] {
  return text ? [text] : [];
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** Controller addresses from flags or `a:1,b:2` lists, checked; at least one. */
export function controllers(values: string[]): string[] {
  const addresses = values
    .flatMap((value) => value.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (addresses.length === 0) {
    throw new ConfigError(
      'no controller address',
      'pass --controller HOST:PORT or set PORTWARDEN_CONTROLLER',
    );
  }
  for (const address of addresses) {
    const port = Number(ADDRESS.exec(address)?.[2]);
    if (!(port >= 1 && port <= 65535)) {
      throw new ConfigError(
        `invalid controller address "${address}"`,
        'write HOST:PORT, an IPv6 address in brackets: [::1]:7000',
      );
    }
  }
  return addresses;
}

/** Labels from `k=v` flags or `k=v,k=v` lists, checked. */
export function labels(values: string[]): Record<string, string> {
  const entries = values.flatMap((value) => value.split(',')).filter((text) => text.trim() !== '');
  try {
    return Object.fromEntries(entries.map((text) => parseLabel(text.trim())));
  } catch (err) {
    throw new ConfigError((err as Error).message, 'write --label key=value, for example --label role=web');
  }
}
