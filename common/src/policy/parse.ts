import { PolicyError, type PolicyIssue } from '../errors.js';
import { policyIssues } from './messages.js';
import { resolvePolicy } from './resolve.js';
import type { ResolvedPolicy } from './resolved.js';
import { checkChannelSecrets } from './secrets.js';
import { validatePolicy } from './validate.js';
import { readYaml } from './yaml.js';

/**
 * YAML text -> resolved policy, or a PolicyError listing every problem with its path and line:
 * the schema's and resolve's together, in the order of the file. Pure: the caller reads the file
 * or the request body.
 */
export function parsePolicy(text: string): ResolvedPolicy {
  return checkPolicy(text).policy;
}

/** A policy accepted, and what it is accepted with: literal credentials in its channels. */
export interface CheckedPolicy {
  policy: ResolvedPolicy;
  warnings: PolicyIssue[];
}

/**
 * parsePolicy, and with `secrets` (the names the controller holds) each `${secret:NAME}` must name
 * one of them. Without, references are not checked (the CLI's local check).
 */
export function checkPolicy(text: string, secrets?: ReadonlySet<string>): CheckedPolicy {
  const { value, lineOf } = readYaml(text); // a YAML error stops here: there is nothing to check
  const { issues, valid, failed } = validatePolicy(value);
  const resolved = valid && resolvePolicy(valid, { lineOf, failed });
  const checked = resolved && checkChannelSecrets(resolved.policy, secrets, lineOf);
  const all = [
    ...issues.flatMap((i) => policyIssues(i, lineOf)),
    ...(resolved?.issues ?? []),
    ...(checked ? checked.issues : []),
  ];
  if (all.length > 0 || !resolved || !checked) throw new PolicyError(inFileOrder(all));
  return { policy: resolved.policy, warnings: inFileOrder(checked.warnings) };
}

/** By line, stable; issues without a line (the whole file) last. */
function inFileOrder(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.toSorted((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || 0);
}
