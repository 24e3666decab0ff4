import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { PortwardenError } from '@portwarden/common/errors';
import { POLICY_DEFAULTS } from '@portwarden/common/policy/resolved';
import { AgentConfig, type Check, type PortCheck } from '@portwarden/proto/agent/v1';
import { DEFAULT_MAX_BYTES } from '../probes/port/conversation.js';
import type { PortSpec } from '../probes/port/tcp.js';
import type { CheckKind, ProbeSpecs } from '../probes/probe.js';

/** A check as the scheduler runs it: every default filled in, durations in milliseconds. */
export type CheckSpec = {
  [K in CheckKind]: {
    id: string;
    name: string;
    intervalMs: number;
    enabled: boolean;
    kind: K;
    spec: ProbeSpecs[K];
  };
}[CheckKind];

/** The controller sent a config this agent cannot run; it keeps the previous one. */
export class InvalidConfigError extends PortwardenError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      'agent-config-invalid',
      `config rejected: ${problems.join('; ')}`,
      'fix the policy (or upgrade the agent if it lacks a check kind) and apply again',
    );
    this.problems = problems;
  }
}

/** Turns a pushed config into check specs, rejecting it whole if any check is unusable. */
export function toCheckSpecs(config: AgentConfig): CheckSpec[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const specs = config.checks.flatMap((check, index) => {
    const where = `checks[${index}]${check.id ? ` (${check.id})` : ''}`;
    const report = (message: string) => problems.push(`${where}: ${message}`);
    if (!check.id) report('has no id');
    if (seen.has(check.id)) report('repeats an id');
    seen.add(check.id);
    if (check.kind?.$case !== 'port') {
      report('has a kind this agent does not know');
      return [];
    }
    return [{ ...base(check), kind: 'port' as const, spec: portSpec(check.kind.value, report) }];
  });
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return specs;
}

function base(check: Check) {
  return {
    id: check.id,
    name: check.name || check.id,
    // proto3 sends 0 for a field the controller left unset: 0 means "the default" throughout.
    intervalMs: check.intervalMs || POLICY_DEFAULTS.intervalMs,
    enabled: check.enabled,
  };
}

function portSpec(check: PortCheck, report: (message: string) => void): PortSpec {
  if (!check.host) report('has no host');
  if (!Number.isInteger(check.port) || check.port < 1 || check.port > 65535) report('port must be 1-65535');
  const timeoutMs = check.timeoutMs || POLICY_DEFAULTS.timeoutMs;
  return {
    host: check.host,
    port: check.port,
    send: check.send,
    crlf: check.crlf,
    extraCrlf: check.extraCrlf,
    expect: check.expect,
    timeoutMs,
    connectTimeoutMs: Math.min(check.connectTimeoutMs || timeoutMs, timeoutMs),
    maxBytes: check.maxBytes || DEFAULT_MAX_BYTES,
  };
}

/** The last config the agent applied, kept so it can start probing without the controller. */
export interface CachedConfig {
  revision: number;
  config: AgentConfig;
}

const FILE = 'config.json';

/** Writes a temp file, syncs it and renames it over the old one: a crash leaves one or the other. */
export async function saveConfig(dir: string, cached: CachedConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, FILE);
  const temp = `${file}.tmp`;
  const text = JSON.stringify(
    { revision: cached.revision, config: AgentConfig.toJSON(cached.config) },
    null,
    2,
  );
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${text}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/** The cached config, or undefined when there is none yet; an unreadable file is an error. */
export async function loadConfig(dir: string): Promise<CachedConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value = JSON.parse(text) as { revision?: unknown; config?: unknown };
  if (!Number.isSafeInteger(value.revision)) throw new Error(`${FILE} has no revision`);
  return { revision: value.revision as number, config: AgentConfig.fromJSON(value.config) };
}
