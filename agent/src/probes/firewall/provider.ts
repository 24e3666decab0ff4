import type { ProfileName, ProfileState } from '@portwarden/common/firewall';
import { excerpt, type Command, type CommandResult } from '../../system/runner.js';
import { redactArgs } from '../../system/redact.js';
import type { SystemDeps } from '../../system/system.js';
import type { FirewallProfile, ProviderName } from './spec.js';

export type { ProfileName, ProfileState } from '@portwarden/common/firewall';
export type ServiceState = 'running' | 'stopped' | 'unknown';

export interface ProfileStatus {
  profile: ProfileName;
  state: ProfileState;
  /** How the state was read: `Enabled=0 in the active store`, `inet filter input: policy drop`. */
  detail: string;
  /**
   * Windows: Group Policy sets this profile, so a local change cannot stick. Checked only for
   * profiles that are not on; absent when not checked or on Linux.
   */
  gpoOverride?: boolean;
}

export interface ServiceStatus {
  /** `MpsSvc` on Windows. */
  name: string;
  state: ServiceState;
  detail: string;
}

export interface GpoStatus {
  /** HNetCfg.FwPolicy2 LocalPolicyModifyState: 0 local settings apply, 1 Group Policy overrides them, 2 inbound blocked. */
  localPolicyModifyState?: number;
  detail: string;
}

/** What a provider reads: the state of each profile asked for, and what else it knows. */
export interface FirewallStatus {
  provider: ProviderName;
  profiles: ProfileStatus[];
  /** The firewall service, when the provider has one (Windows MpsSvc). */
  service?: ServiceStatus;
  /** Group Policy findings (Windows), when some profile is not on. */
  gpo?: GpoStatus;
  /** Fallbacks taken and commands that failed, in order, for the detail. */
  notes: string[];
}

export interface Detection {
  /** The provider's tool is installed. */
  found: boolean;
  /** It is the one filtering now (Windows: it can read the state). */
  active: boolean;
  detail: string;
  /** The state read while detecting (Linux, where it does not depend on profiles), so nobody reads it twice. */
  status?: FirewallStatus;
}

/** One command a provider or a response ran, as it is reported and audited (arguments redacted). */
export interface CommandSummary {
  argv: string[];
  exitCode: number | null;
  timedOut: boolean;
  spawnError?: string;
  durationMs: number;
  /** The start of stderr, or of stdout when stderr is empty; redacted. */
  output: string;
}

export interface EnableResult {
  /** Every command ran and exited 0. Whether the firewall is on again is the verification's to say. */
  ok: boolean;
  commands: CommandSummary[];
  detail: string;
}

/** One way of reading and setting a host firewall. */
export interface FirewallProvider {
  readonly name: ProviderName;
  detect(): Promise<Detection>;
  /** Throws ProviderUnavailableError when the state cannot be read at all. */
  status(profiles: readonly FirewallProfile[]): Promise<FirewallStatus>;
  /** Turns the given profiles (Linux: the firewall) back on with the manager's own command. */
  enable(profiles: readonly FirewallProfile[]): Promise<EnableResult>;
}

/**
 * Detection for the Linux managers: found when the tool exists, active when it reads as on.
 * One host-wide "profile", as Linux firewalls have no Windows profiles.
 */
export async function detectByStatus(
  file: string | undefined,
  missing: string,
  status: () => Promise<FirewallStatus>,
): Promise<Detection> {
  if (!file) return { found: false, active: false, detail: missing };
  const read = await status().catch(() => undefined);
  const active = read?.profiles[0]?.state === 'on';
  return { found: true, active, detail: file, ...(read && { status: read }) };
}

/** The provider could not read the state: its tool is missing, failed, or printed nonsense. */
export class ProviderUnavailableError extends Error {}

/** Local settings of the providers, from the agent's own config (never from the policy). */
export interface ProviderOptions {
  /** nftables: the ruleset `nft -f` loads to re-enable the firewall. @default '/etc/nftables.conf' */
  nftablesRuleset: string;
  /** iptables: the rules file fed to iptables-restore on stdin. @default '/etc/iptables/rules.v4' */
  iptablesRules: string;
  /** iptables: which iptables-restore loads it; `auto` is the system's alternative. @default 'auto' */
  iptablesBackend: 'auto' | 'nft' | 'legacy';
  /** Windows: the OEM code page netsh writes; 0 reads it from the registry when needed. @default 0 */
  oemCodePage: number;
}

export const PROVIDER_OPTION_DEFAULTS: ProviderOptions = {
  nftablesRuleset: '/etc/nftables.conf',
  iptablesRules: '/etc/iptables/rules.v4',
  iptablesBackend: 'auto',
  oemCodePage: 0,
};

/** What every provider is built with. */
export interface ProviderContext extends SystemDeps {
  options: ProviderOptions;
  /** Milliseconds left for the next command: the probe's deadline minus now. */
  remainingMs(): number;
  signal?: AbortSignal;
}

/** Runs one tool within what is left of the deadline and keeps a summary of it. */
export async function runTool(
  ctx: ProviderContext,
  file: string,
  args: readonly string[],
  extra: Pick<Command, 'env' | 'input'> = {},
): Promise<{ result: CommandResult; summary: CommandSummary }> {
  const cmd: Command = { file, args, timeoutMs: Math.max(1, Math.round(ctx.remainingMs())), ...extra };
  if (ctx.signal) cmd.signal = ctx.signal;
  const result = await ctx.run(cmd);
  return { result, summary: summarize(cmd, result) };
}

export function summarize(cmd: Command, result: CommandResult): CommandSummary {
  const output = result.stderr.length > 0 ? result.stderr : result.stdout;
  const summary: CommandSummary = {
    argv: [cmd.file, ...redactArgs(cmd.args, cmd.secrets)],
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    output: excerpt(output, cmd.secrets, 200),
  };
  return result.spawnError ? { ...summary, spawnError: result.spawnError } : summary;
}

/** Whether a command ran and exited 0. */
export function succeeded(result: CommandResult): boolean {
  return result.exitCode === 0 && !result.timedOut && result.spawnError === undefined;
}

/** `could not start (ENOENT)`, `timed out`, `exit 3: <first line>`: why a command did not succeed. */
export function failure(summary: CommandSummary): string {
  const name = summary.argv[0]?.split(/[\\/]/).pop() ?? 'command';
  if (summary.spawnError) return `${name} could not start (${summary.spawnError})`;
  if (summary.timedOut) return `${name} timed out`;
  const first = summary.output.split('\n')[0] ?? '';
  return `${name} exited ${summary.exitCode ?? 'by a signal'}${first ? `: ${first}` : ''}`;
}

/** The result of one enable: ok when every command succeeded. */
export function enableResult(commands: CommandSummary[], what: string): EnableResult {
  const failed = commands.find((c) => c.exitCode !== 0 || c.timedOut || c.spawnError);
  return failed
    ? { ok: false, commands, detail: `${what} failed: ${failure(failed)}` }
    : { ok: true, commands, detail: `${what} done` };
}
