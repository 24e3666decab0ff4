import { PolicyError, type PolicyIssue } from '../errors.js';
import { policyIssues } from './messages.js';
import { resolvePolicy } from './resolve.js';
import type { ResolvedPolicy } from './resolved.js';
import { validatePolicy } from './validate.js';
import { readYaml } from './yaml.js';

/**
 * YAML text -> resolved policy, or a PolicyError listing every problem with its path and line:
 * the schema's and resolve's together, in the order of the file. Pure: the caller reads the file
 * or the request body.
 */
export function parsePolicy(text: string): ResolvedPolicy {
  const { value, lineOf } = readYaml(text); // a YAML error stops here: there is nothing to check
  const { issues, valid, failed } = validatePolicy(value);
  const resolved = valid && resolvePolicy(valid, { lineOf, failed });
  const all = [...issues.flatMap((i) => policyIssues(i, lineOf)), ...(resolved?.issues ?? [])];
  if (all.length > 0 || !resolved) throw new PolicyError(inFileOrder(all));
  return resolved.policy;
}

/** By line, stable; issues without a line (the whole file) last. */
function inFileOrder(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.toSorted((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || 0);
}
