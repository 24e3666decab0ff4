import type { CheckOverride } from '../store/check-overrides.js';

/**
 * What disables a check on an agent at run time: the agent's own override, else the one for every
 * agent; undefined when the check runs as the policy says.
 */
export function overrideFor(
  overrides: readonly CheckOverride[],
  checkId: string,
  agent: string,
): CheckOverride | undefined {
  const ofCheck = overrides.filter((o) => o.checkId === checkId);
  return ofCheck.find((o) => o.agent === agent) ?? ofCheck.find((o) => o.agent === null);
}

/** A disable request: the check, one agent or every agent (null), who and why. */
export interface DisableRequest {
  checkId: string;
  agent: string | null;
  by: string;
  comment: string | null;
}

/** Write a new override, or keep the one that already disables the check there. */
export type DisablePlan = { write: CheckOverride } | { already: CheckOverride };

/**
 * Disabling is idempotent: a check already disabled where asked (on that agent, or on every agent)
 * keeps its override, with its who and when.
 */
export function planDisable(
  overrides: readonly CheckOverride[],
  request: DisableRequest,
  now: Date,
): DisablePlan {
  const existing =
    request.agent === null
      ? overrides.find((o) => o.checkId === request.checkId && o.agent === null)
      : overrideFor(overrides, request.checkId, request.agent);
  return existing ? { already: existing } : { write: { ...request, at: now } };
}

/**
 * The overrides to delete (their agents; null is the every-agent one), or the every-agent override
 * that an enable on one agent cannot lift.
 */
export type EnablePlan = { remove: (string | null)[] } | { blockedBy: CheckOverride };

/**
 * Enabling without an agent lifts every override of the check, so that it runs wherever the policy
 * says; on one agent it lifts that agent's own. One agent cannot be excepted from a disable on
 * every agent: that is refused, naming who disabled it. Enabling what is not disabled changes nothing.
 */
export function planEnable(
  overrides: readonly CheckOverride[],
  checkId: string,
  agent: string | null,
): EnablePlan {
  const ofCheck = overrides.filter((o) => o.checkId === checkId);
  if (agent === null) return { remove: ofCheck.map((o) => o.agent) };
  const everywhere = ofCheck.find((o) => o.agent === null);
  if (everywhere) return { blockedBy: everywhere };
  return { remove: ofCheck.filter((o) => o.agent === agent).map((o) => o.agent) };
}
