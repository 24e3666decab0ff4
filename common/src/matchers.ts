import { PortwardenError } from './errors.js';
import { LABEL_KEY_PATTERN, type Labels } from './labels.js';

/**
 * Label matchers as Alertmanager's silences write them: `name=value`, `name!=value`,
 * `name=~regex`, `name!~regex`. A regex is anchored at both ends (`=~db-.*` matches `db-1`, not
 * `xdb-1`); a label an alert lacks has the value `""` (so `env!=prod` matches an alert without
 * `env`). Used by silences (API, CLI) and the policy's maintenance windows alike.
 */

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** A matcher that does not parse: which one, and what to write instead. */
export class MatcherError extends PortwardenError {
  readonly matcher: string;
  constructor(matcher: string, message: string, hint: string) {
    super('bad-matcher', `matcher "${matcher.slice(0, 200)}": ${message}`, hint);
    this.matcher = matcher;
  }
}

const SYNTAX_HINT = 'write name=value, name!=value, name=~regex or name!~regex, e.g. agent=~db-.*';

/** `name op value`; the op is the first of `=~ !~ != =` after the name; spaces around are ignored. */
const MATCHER_PATTERN = /^\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

export function parseMatcher(text: string): Matcher {
  const parsed = MATCHER_PATTERN.exec(text);
  if (!parsed) throw new MatcherError(text, 'no operator', SYNTAX_HINT);
  const [, name, op, raw] = parsed as unknown as [string, string, MatchOp, string];
  if (!LABEL_KEY_PATTERN.test(name))
    throw new MatcherError(
      text,
      `invalid label name "${name}"`,
      'a name is check, agent, alertgroup or an agent label: letters, digits, _ . - (not starting with a digit)',
    );
  const value = unquote(raw);
  if (op === '=~' || op === '!~') compileMatcherRegex(text, value);
  return { name, op, value };
}

/** Every matcher, or the first error. */
export function parseMatchers(texts: readonly string[]): Matcher[] {
  return texts.map(parseMatcher);
}

/** `"a b"` as Alertmanager's quoted form: the quotes are not part of the value. */
function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))
    return raw.slice(1, -1).replace(/\\"/g, '"');
  return raw;
}

/** The regex anchored at both ends, as Alertmanager (and Prometheus) do. */
function compileMatcherRegex(text: string, source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    throw new MatcherError(
      text,
      `invalid regex: ${why}`,
      'a JavaScript regular expression, anchored at both ends; escape . * + ? ( ) [ ] { } | with \\ to mean the character',
    );
  }
}

/** `agent=~"db-.*"` style text, for lists and notes. */
export function formatMatcher({ name, op, value }: Matcher): string {
  return `${name}${op}${value}`;
}

/** A compiled matcher set: `matches(labels)` is true when every matcher matches. */
export interface MatcherSet {
  readonly matchers: readonly Matcher[];
  matches(labels: Labels): boolean;
}

export function compileMatchers(matchers: readonly Matcher[]): MatcherSet {
  const tests = matchers.map(matcherTest);
  return { matchers, matches: (labels) => tests.every((test) => test(labels)) };
}

function matcherTest(matcher: Matcher): (labels: Labels) => boolean {
  const { name, op, value } = matcher;
  const text = formatMatcher(matcher);
  const regex = op === '=~' || op === '!~' ? compileMatcherRegex(text, value) : undefined;
  return (labels) => {
    const actual = labels[name] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return regex!.test(actual);
      case '!~':
        return !regex!.test(actual);
    }
  };
}

/**
 * Alertmanager refuses a silence whose every matcher matches the empty string: it would cover
 * every alert. The same goes for a maintenance window.
 */
export function coversEverything(matchers: readonly Matcher[]): boolean {
  return compileMatchers(matchers).matches({});
}

/** Parse, and refuse a set that covers every alert; the error names the problem and the fix. */
export function parseMatcherSet(texts: readonly string[]): Matcher[] {
  if (texts.length === 0)
    throw new MatcherError('', 'no matchers', 'give at least one, e.g. check=web or agent=db-1');
  const matchers = parseMatchers(texts);
  if (coversEverything(matchers))
    throw new MatcherError(
      texts.join(', '),
      'these matchers match every alert (each matches an empty label)',
      'add one that names something, e.g. agent=~.+ to mean every agent on purpose',
    );
  return matchers;
}
