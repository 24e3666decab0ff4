import { isIP } from 'node:net';
import { parseDuration } from '../duration.js';
import { decodeEscapes } from '../text.js';
import {
  POLICY_DEFAULTS,
  type ResolvedPortCheck,
  type ResolvedExpectation,
  type ResolvedStep,
} from './resolved.js';
import type { CheckDocument, StepDocument } from './schema.js';

type Key = (string | number)[];
type Issue = (key: Key, message: string) => void;

/** The part of a resolved check that says how the port is probed. */
export type PortOptions = Pick<
  ResolvedPortCheck,
  | 'family'
  | 'addresses'
  | 'steps'
  | 'crlf'
  | 'extraCrlf'
  | 'quit'
  | 'maxBytes'
  | 'slowAfterMs'
  | 'tls'
  | 'starttls'
  | 'sni'
  | 'tlsVerify'
  | 'caFile'
  | 'certExpiresWithinMs'
  | 'expectClosed'
  | 'transcript'
>;

/** Fills the probe options' defaults and reports the combinations a schema cannot express. */
export function resolvePortOptions(
  check: CheckDocument,
  host: string,
  timeoutMs: number,
  issue: Issue,
): PortOptions {
  checkCombinations(check, host, timeoutMs, issue);
  const secure = check.tls === true || check.starttls !== undefined;
  return {
    family: check.family ?? 'auto',
    addresses: check.addresses ?? 'first',
    steps: check.steps
      ? check.steps.map((step, i) => resolveStep(step, check, ['steps', i], issue))
      : shorthand(check, issue),
    crlf: check.crlf ?? false,
    extraCrlf: check.extraCrlf ?? false,
    quit: escaped(check.quit, ['quit'], issue) ?? '',
    maxBytes: check.maxBytes ?? POLICY_DEFAULTS.maxBytes,
    slowAfterMs: check.slowAfter === undefined ? 0 : parseDuration(check.slowAfter),
    tls: check.tls ?? false,
    starttls: check.starttls ?? 'none',
    sni: secure ? (check.sni ?? defaultSni(host)) : '',
    tlsVerify: check.tlsVerify ?? true,
    caFile: check.caFile ?? '',
    certExpiresWithinMs: check.certExpiresWithin === undefined ? 0 : parseDuration(check.certExpiresWithin),
    expectClosed: check.expectClosed ?? false,
    transcript: check.transcript ?? false,
  };
}

/** SNI carries names only (RFC 6066): the host when it is one, else nothing. */
export function defaultSni(host: string): string {
  return isIP(bare(host)) === 0 ? bare(host) : '';
}

const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

const TLS_ONLY = ['sni', 'tlsVerify', 'caFile', 'certExpiresWithin'] as const;
const NOT_WHEN_CLOSED = [
  'send',
  'expect',
  'expectRegex',
  'steps',
  'quit',
  'tls',
  'starttls',
  'slowAfter',
] as const;

function checkCombinations(check: CheckDocument, host: string, timeoutMs: number, issue: Issue): void {
  if (
    check.steps &&
    (check.send !== undefined || check.expect !== undefined || check.expectRegex !== undefined)
  )
    issue(['steps'], 'use steps or send/expect/expectRegex, not both');
  if (check.tls && check.starttls !== undefined) issue(['starttls'], 'use tls or starttls, not both');
  if (check.tls !== true && check.starttls === undefined) {
    for (const key of TLS_ONLY) if (check[key] !== undefined) issue([key], 'needs tls: true or starttls');
  }
  if (check.sni && isIP(check.sni) !== 0) issue(['sni'], 'must be a host name, not an IP address (RFC 6066)');
  if (check.expectClosed) {
    const conflicting = NOT_WHEN_CLOSED.filter((key) => check[key] !== undefined && check[key] !== false);
    if (conflicting.length > 0)
      issue(['expectClosed'], `a port that must stay closed takes no ${conflicting.join(', ')}`);
  }
  const literal = isIP(bare(host));
  if ((check.family === 'ipv4' && literal === 6) || (check.family === 'ipv6' && literal === 4))
    issue(['family'], `${check.family} does not fit the address ${host}`);
  if (check.slowAfter !== undefined && parseDuration(check.slowAfter) >= timeoutMs)
    issue(['slowAfter'], `must be shorter than the timeout (${timeoutMs} ms)`);
}

/** `send` + `expect`/`expectRegex`: send first, then expect in the greeting and the reply together. */
function shorthand(check: CheckDocument, issue: Issue): ResolvedStep[] {
  const steps: ResolvedStep[] = [];
  const send = escaped(check.send, ['send'], issue);
  // Even empty: with crlf, `send: ''` sends just CR/LF.
  if (send !== undefined) steps.push({ send });
  if (check.expect !== undefined || check.expectRegex !== undefined)
    steps.push({ expect: expectation(check, check, [], issue) });
  return steps;
}

function resolveStep(step: StepDocument, check: CheckDocument, key: Key, issue: Issue): ResolvedStep {
  const expecting = step.expect !== undefined || step.expectRegex !== undefined;
  if (step.send !== undefined) {
    if (expecting) issue(key, 'a step either sends or expects, not both');
    for (const option of ['expectMode', 'ignoreCase'] as const)
      if (step[option] !== undefined) issue([...key, option], 'only goes with expect or expectRegex');
    return { send: escaped(step.send, [...key, 'send'], issue) ?? '' };
  }
  if (!expecting) issue(key, 'a step needs send, expect or expectRegex');
  return { expect: expectation(step, check, key, issue) };
}

/** A step's own expectMode / ignoreCase win over the check's. */
function expectation(
  from: Pick<StepDocument, 'expect' | 'expectRegex' | 'expectMode' | 'ignoreCase'>,
  check: CheckDocument,
  key: Key,
  issue: Issue,
): ResolvedExpectation {
  const regexes = list(from.expectRegex);
  regexes.forEach((source, i) => {
    const error = regexError(source);
    if (error)
      issue(Array.isArray(from.expectRegex) ? [...key, 'expectRegex', i] : [...key, 'expectRegex'], error);
  });
  return {
    texts: list(from.expect),
    regexes,
    mode: from.expectMode ?? check.expectMode ?? 'all',
    ignoreCase: from.ignoreCase ?? check.ignoreCase ?? false,
  };
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The text as written when its escapes are valid; an issue otherwise. */
function escaped(text: string | undefined, key: Key, issue: Issue): string | undefined {
  if (text === undefined) return undefined;
  try {
    decodeEscapes(text);
  } catch (err) {
    issue(key, (err as Error).message);
  }
  return text;
}

/** Why a regex does not compile (as the agent compiles it, flag m), or undefined. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source, 'm');
    return undefined;
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    return `invalid regular expression: ${why}`;
  }
}
