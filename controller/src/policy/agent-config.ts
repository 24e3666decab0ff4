import { matchesSelector, type Labels } from '@portwarden/common/labels';
import {
  POLICY_DEFAULTS,
  type ResolvedCheck,
  type ResolvedExpectation,
  type ResolvedPolicy,
  type ResolvedPortCheck,
  type ResolvedStep,
} from '@portwarden/common/policy/resolved';
import { decodeEscapes } from '@portwarden/common/text';
import type { AgentConfig, Check, Expectation, PortCheck, Step } from '@portwarden/proto/agent/v1';
import {
  ADDRESS_FAMILY_WORDS,
  ADDRESS_MODE_WORDS,
  MATCH_MODE_WORDS,
  START_TLS_WORDS,
} from '@portwarden/proto/agent/v1/words';
import { toFirewallCheck, toResponseAction } from './firewall-config.js';

/**
 * The part of the policy one agent runs: the checks whose selector matches its labels. A check
 * `disabledHere` (a run-time override, `portwarden disable`) is sent disabled: the agent stops
 * probing it but still knows it, so that "test now" runs it.
 */
export function agentConfig(
  policy: ResolvedPolicy | undefined,
  labels: Labels,
  disabledHere: (checkId: string) => boolean = () => false,
): AgentConfig {
  const checks = (policy?.checks ?? [])
    .filter((c) => matchesSelector(c.agents, labels))
    .map((c) => toProtoCheck(c, c.enabled && !disabledHere(c.id)));
  return { checks };
}

function toProtoCheck(check: ResolvedCheck, enabled: boolean): Check {
  const base = {
    id: check.id,
    name: check.name,
    intervalMs: check.intervalMs,
    enabled,
    // The agent counts failures too, to run the responses at the threshold.
    failuresBeforeAlert: check.failuresBeforeAlert ?? POLICY_DEFAULTS.failuresBeforeAlert,
  };
  if (check.kind === 'firewall')
    return { ...base, kind: { $case: 'firewall', value: toFirewallCheck(check) }, responses: [] };
  return {
    ...base,
    kind: { $case: 'port', value: toPortCheck(check) },
    responses: check.response ? [toResponseAction(check.response)] : [],
  };
}

/**
 * Revisions stored before steps existed carry `send` / `expect` instead; they are read as the
 * shorthand they were, and every newer key takes its default.
 */
type StoredCheck = Partial<ResolvedPortCheck> &
  Pick<ResolvedPortCheck, 'host' | 'port' | 'timeoutMs' | 'connectTimeoutMs'> & {
    send?: string;
    expect?: string;
  };

function toPortCheck(check: StoredCheck): PortCheck {
  return {
    host: check.host,
    port: check.port,
    // The shorthand fields stay empty: the agent reads steps, and falls back to them only for
    // configs cached by an older agent.
    send: Buffer.alloc(0),
    expect: '',
    crlf: check.crlf ?? false,
    extraCrlf: check.extraCrlf ?? false,
    timeoutMs: check.timeoutMs,
    connectTimeoutMs: check.connectTimeoutMs,
    maxBytes: check.maxBytes ?? POLICY_DEFAULTS.maxBytes,
    family: ADDRESS_FAMILY_WORDS.encode(check.family ?? 'auto'),
    addresses: ADDRESS_MODE_WORDS.encode(check.addresses ?? 'first'),
    steps: (check.steps ?? legacySteps(check)).map(toStep),
    quit: check.quit ? decodeEscapes(check.quit) : Buffer.alloc(0),
    slowAfterMs: check.slowAfterMs ?? 0,
    tls: check.tls ?? false,
    starttls: START_TLS_WORDS.encode(check.starttls ?? 'none'),
    sni: check.sni ?? '',
    tlsInsecure: check.tlsVerify === false,
    caFile: check.caFile ?? '',
    certExpiresWithinMs: check.certExpiresWithinMs ?? 0,
    expectClosed: check.expectClosed ?? false,
    transcript: check.transcript ?? false,
  };
}

function legacySteps(check: StoredCheck): ResolvedStep[] {
  const steps: ResolvedStep[] = [];
  if (check.send) steps.push({ send: check.send });
  if (check.expect)
    steps.push({ expect: { texts: [check.expect], regexes: [], mode: 'all', ignoreCase: false } });
  return steps;
}

function toStep(step: ResolvedStep): Step {
  return 'send' in step
    ? { step: { $case: 'send', value: decodeEscapes(step.send) } }
    : { step: { $case: 'expect', value: toExpectation(step.expect) } };
}

function toExpectation(expect: ResolvedExpectation): Expectation {
  return {
    texts: expect.texts,
    regexes: expect.regexes,
    mode: MATCH_MODE_WORDS.encode(expect.mode),
    ignoreCase: expect.ignoreCase,
  };
}
