import type { z } from 'zod';
import { policyErrorMap } from './messages.js';
import type { Path } from './path.js';
import type { ResolveInput } from './resolve.js';
import { policySchema } from './schema.js';

export interface Validated {
  /** Every schema issue, in zod's order. */
  issues: z.core.$ZodIssue[];
  /**
   * What passed the schema, for resolve's checks of references and combinations: everything on
   * success; on failure the parts that failed are left out (a failed check is a hole, so that the
   * others keep their indices). Missing when not even the top level is a mapping.
   */
  valid?: ResolveInput;
  /** Whether the schema rejected this path or a part that holds it. */
  failed: (path: Path) => boolean;
}

/**
 * The schema, part by part: a key of `defaults` or `liveness`, one alert group, one check, or a
 * whole section. A part that fails is left out, so that resolve's checks still run on the rest
 * and the user gets every error in one answer.
 */
export function validatePolicy(value: unknown): Validated {
  const parsed = policySchema.safeParse(value, { error: policyErrorMap });
  if (parsed.success) return { issues: [], valid: parsed.data, failed: () => false };
  const issues = parsed.error.issues;
  const parts = issues.flatMap(partsOf);
  const failed = (path: Path) => parts.some((part) => part.every((key, i) => path[i] === key));
  if (!isMapping(value) || failed([])) return { issues, failed };
  const rest = policySchema.safeParse(without(value, failed));
  if (!rest.success) return { issues, failed }; // not expected: then only the schema's issues
  return {
    issues,
    valid: { ...rest.data, checks: withHoles(value.checks, rest.data.checks, failed) },
    failed,
  };
}

/** The parts an issue rejects: paths cut to two keys, such as `checks[3]` or `defaults.timeout`. */
function partsOf(issue: z.core.$ZodIssue): Path[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...path, key]) : [path];
  return paths.map((p) => p.slice(0, 2));
}

/** The document without the failed parts; copies, since aliases share objects between places. */
function without(doc: Record<string, unknown>, failed: (path: Path) => boolean): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(doc)) {
    if (failed([section])) continue;
    const kept = (key: string | number) => !failed([section, key]);
    rest[section] = Array.isArray(value)
      ? value.filter((_, i) => kept(i))
      : isMapping(value)
        ? Object.fromEntries(Object.entries(value).filter(([key]) => kept(key)))
        : value;
  }
  rest.checks ??= [];
  return rest;
}

/** The checks that passed, put back at their own indices, with a hole where one failed. */
function withHoles<T>(written: unknown, passed: T[], failed: (path: Path) => boolean): (T | undefined)[] {
  if (!Array.isArray(written)) return [];
  const next = passed[Symbol.iterator]();
  return written.map((_, i) => (failed(['checks', i]) ? undefined : next.next().value));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
