import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { PortwardenError } from '@portwarden/common/errors';
import { POLICY_DEFAULTS } from '@portwarden/common/policy/resolved';
import { AgentConfig, type Check, type PortCheck, type Step as WireStep } from '@portwarden/proto/agent/v1';
import {
  ADDRESS_FAMILY_WORDS,
  ADDRESS_MODE_WORDS,
  MATCH_MODE_WORDS,
  START_TLS_WORDS,
} from '@portwarden/proto/agent/v1/words';
import { DEFAULT_MAX_BYTES } from '../probes/port/conversation.js';
import {
  portSpecProblems,
  PORT_SPEC_DEFAULTS,
  shorthandSteps,
  type PortSpec,
  type Step,
} from '../probes/port/spec.js';
import type { CheckKind, ProbeSpecs } from '../probes/probe.js';
import { firewallResponses, type ResponseSpec } from '../responses/spec.js';
import { firewallSpec, responseSpecs } from './firewall.js';
import { known, type Report } from './known.js';

/** A check as the scheduler runs it: every default filled in, durations in milliseconds. */
export type CheckSpec = {
  [K in CheckKind]: {
    id: string;
    name: string;
    intervalMs: number;
    enabled: boolean;
    /** Consecutive failures at which the responses run (and the controller may alert). */
    failuresBeforeAlert: number;
    /** What runs at the threshold, in order; a firewall check's mode implies them. */
    responses: ResponseSpec[];
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

/**
 * Turns a pushed config into check specs, rejecting it whole if any check is unusable. Response
 * names and paths are checked by this platform's rules.
 */
export function toCheckSpecs(config: AgentConfig, platform: NodeJS.Platform = process.platform): CheckSpec[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const specs = config.checks.flatMap((check, index): CheckSpec[] => {
    const where = `checks[${index}]${check.id ? ` (${check.id})` : ''}`;
    const report = (message: string) => problems.push(`${where}: ${message}`);
    if (!check.id) report('has no id');
    if (seen.has(check.id)) report('repeats an id');
    seen.add(check.id);
    if (check.kind?.$case === 'firewall') {
      const spec = firewallSpec(check.kind.value, report);
      if (check.responses.length > 0) report("has responses: a firewall check's mode implies them");
      return [{ ...base(check), kind: 'firewall' as const, spec, responses: firewallResponses(spec) }];
    }
    if (check.kind?.$case !== 'port') {
      report('has a kind this agent does not know');
      return [];
    }
    const responses = responseSpecs(check.responses, platform, report);
    return [{ ...base(check), kind: 'port' as const, spec: portSpec(check.kind.value, report), responses }];
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
    failuresBeforeAlert: check.failuresBeforeAlert || POLICY_DEFAULTS.failuresBeforeAlert,
  };
}

function portSpec(check: PortCheck, report: Report): PortSpec {
  const timeoutMs = check.timeoutMs || POLICY_DEFAULTS.timeoutMs;
  const { family, addresses, starttls } = PORT_SPEC_DEFAULTS;
  const spec: PortSpec = {
    host: check.host,
    port: check.port,
    family: known(ADDRESS_FAMILY_WORDS, check.family, 'family', report, family),
    addresses: known(ADDRESS_MODE_WORDS, check.addresses, 'addresses', report, addresses),
    steps: check.steps.length > 0 ? check.steps.map((s, i) => step(s, i, report)) : legacySteps(check),
    crlf: check.crlf,
    extraCrlf: check.extraCrlf,
    quit: check.quit,
    maxBytes: check.maxBytes || DEFAULT_MAX_BYTES,
    timeoutMs,
    connectTimeoutMs: Math.min(check.connectTimeoutMs || timeoutMs, timeoutMs),
    slowAfterMs: check.slowAfterMs,
    tls: check.tls,
    starttls: known(START_TLS_WORDS, check.starttls, 'starttls', report, starttls),
    sni: check.sni,
    tlsVerify: !check.tlsInsecure,
    caFile: check.caFile,
    certExpiresWithinMs: check.certExpiresWithinMs,
    expectClosed: check.expectClosed,
    transcript: check.transcript,
  };
  for (const problem of portSpecProblems(spec)) report(problem);
  return spec;
}

/** Configs cached by an older agent carry the classic send/expect instead of steps. */
function legacySteps(check: PortCheck): Step[] {
  const texts = check.expect ? [check.expect] : [];
  return shorthandSteps(check.send.length > 0 ? check.send : undefined, {
    texts,
    regexes: [],
    mode: 'all',
    ignoreCase: false,
  });
}

function step(wire: WireStep, index: number, report: Report): Step {
  const { step } = wire;
  if (step?.$case === 'send') return { kind: 'send', bytes: step.value };
  if (step?.$case !== 'expect') {
    report(`steps[${index}] neither sends nor expects`);
    return { kind: 'send', bytes: new Uint8Array(0) };
  }
  const { texts, regexes, mode, ignoreCase } = step.value;
  const matchMode = known(
    MATCH_MODE_WORDS,
    mode,
    `steps[${index}].mode`,
    report,
    PORT_SPEC_DEFAULTS.expectMode,
  );
  return { kind: 'expect', expect: { texts, regexes, mode: matchMode, ignoreCase } };
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
