import { POLICY_DEFAULTS } from '@portwarden/common/policy/resolved';
import type { PolicyInForce } from '../ingest/ingest.js';
import { groupingRule } from '../state/grouping.js';
import type { LivenessSettings } from './monitor.js';

/** Silence and routing for "agent unreachable", from the policy's `liveness` section. */
export function livenessSettings(inForce: PolicyInForce | undefined): LivenessSettings {
  const liveness = inForce?.policy.liveness;
  const group =
    liveness?.alertGroup === undefined ? undefined : inForce?.policy.alertGroups[liveness.alertGroup];
  const grouping = groupingRule(group);
  return {
    silenceMs: liveness?.silenceMs ?? POLICY_DEFAULTS.livenessSilenceMs,
    alertGroup: group && { id: group.id, name: group.name },
    policyRevision: inForce?.revision ?? 0,
    ...(grouping && { grouping }),
  };
}
