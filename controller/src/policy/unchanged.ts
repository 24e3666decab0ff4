import { isDeepStrictEqual } from 'node:util';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';

/**
 * Whether applying `next` would change nothing. Decided on the resolved policy, not the source
 * text: an edit to comments, whitespace or key order, or a default written out, changes no check
 * and no alert group, so the agents need no new config and no revision is made. The revision in
 * force then keeps its own source text, which may differ from `next`'s in such details.
 */
export function isUnchanged(next: ResolvedPolicy, current: ResolvedPolicy | undefined): boolean {
  // The policy in force may have come back from jsonb: compare both in their JSON form.
  return current !== undefined && isDeepStrictEqual(asJson(next), asJson(current));
}

const asJson = (policy: ResolvedPolicy): unknown => JSON.parse(JSON.stringify(policy));
