import { POLICY_DEFAULTS, type ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { LivenessSettings } from './monitor.js';

/** Silence and routing for "agent unreachable", from the policy's `liveness` section. */
export function livenessSettings(policy: ResolvedPolicy | undefined): LivenessSettings {
  const groupId = policy?.liveness?.alertGroup;
  return {
    silenceMs: policy?.liveness?.silenceMs ?? POLICY_DEFAULTS.livenessSilenceMs,
    alertGroup: groupId === undefined ? undefined : policy?.alertGroups[groupId],
  };
}
