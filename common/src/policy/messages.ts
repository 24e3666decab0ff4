import type { z } from 'zod';
import type { PolicyIssue } from '../errors.js';
import { formatPath, type LineOf, type Path } from './path.js';

/**
 * Zod's own wording ("Too small: expected number to be >=1") in the words of the policy's
 * hand-written messages: lower case, about the value the user wrote. Messages set on a schema
 * win over these (zod's precedence), so this map only fills what the schema leaves open.
 */
export const policyErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `expected ${KINDS[issue.expected] ?? issue.expected}, got ${described(issue.input)}`;
    case 'too_small':
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_value':
      return `expected ${oneOf(issue.values.map(String))}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? `does not match ${issue.pattern ?? 'the pattern'}`
        : `expected ${issue.format}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues[0]?.message ?? 'not allowed here'}`;
    case 'invalid_union':
      return 'matches none of the forms this key takes (see docs/policy.md)';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return undefined;
  }
};

const KINDS: Record<string, string> = {
  string: 'a text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/** The value as the user wrote it, or its kind when it is a whole mapping or list. */
function described(input: unknown): string {
  if (input === null) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function tooSmall(origin: string, min: number, inclusive: boolean): string {
  if (origin === 'string' || origin === 'array') {
    if (min <= 1 && inclusive) return 'must not be empty';
    return `needs at least ${min} ${origin === 'string' ? 'characters' : 'items'}`;
  }
  return inclusive ? `must be at least ${min}` : `must be more than ${min}`;
}

function tooBig(origin: string, max: number, inclusive: boolean): string {
  if (origin === 'string') return `must be at most ${max} characters long`;
  if (origin === 'array') return `takes at most ${max} items`;
  return inclusive ? `must be at most ${max}` : `must be less than ${max}`;
}

/** ['a', 'b', 'c'] -> 'a, b or c' */
function oneOf(values: string[]): string {
  return values.length < 2 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** A zod issue as the policy's issues: one per unknown key, each with its path and line. */
export function policyIssues(issue: z.core.$ZodIssue, lineOf: LineOf): PolicyIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const located = (at: Path, message: string) => ({ path: formatPath(at), line: lineOf(at), message });
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => located([...path, key], `unknown key "${key}"`));
  return [located(path, issue.message)];
}
