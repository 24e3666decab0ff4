import { formatDuration } from '@portwarden/common/duration';
import type { ResolvedFlapping } from '@portwarden/common/policy/resolved';
import type { IncidentTransition } from './next-state.js';

/**
 * Flap detection, as a pure function with time injected. A state change is an incident opening or
 * resolving. A check whose changes within the window exceed the allowed count is flapping: the
 * change that tips it is told with a "flapping" notice, the ones after it are recorded, not sent.
 * It is stable again when a result arrives at least a window after its last change; its final
 * state is then told (state/tell.ts decides what that takes).
 */
export interface FlapState {
  /** The times of the latest changes, oldest first: at most `changes + 1`, within the window. */
  changes: Date[];
  /** Since when the check is flapping; null while it is not. */
  flappingSince: Date | null;
}

export const NOT_FLAPPING: FlapState = { changes: [], flappingSince: null };

/**
 * - `steady`: not flapping; events go out as usual.
 * - `starts`: this change makes it flapping; its event carries the flapping notice.
 * - `flapping`: still flapping; events are recorded, not sent.
 * - `ends`: stable again on this result; the final state is told.
 */
export type FlapVerdict = 'steady' | 'starts' | 'flapping' | 'ends';

export interface FlapDecision {
  state: FlapState;
  verdict: FlapVerdict;
}

export function judgeFlapping(
  prev: FlapState,
  change: IncidentTransition | undefined,
  settings: ResolvedFlapping | undefined,
  now: Date,
): FlapDecision {
  if (!settings) {
    // Flap detection turned off in the policy while it was flapping: tell the final state now.
    return { state: NOT_FLAPPING, verdict: prev.flappingSince ? 'ends' : 'steady' };
  }
  const cutoff = now.getTime() - settings.windowMs;
  const recent = prev.changes.filter((t) => t.getTime() > cutoff);
  const changes = (change ? [...recent, now] : recent).slice(-(settings.changes + 1));
  if (prev.flappingSince) {
    const last = prev.changes.at(-1) ?? prev.flappingSince;
    // Stable: no change within the window before this result. A change on this result is then
    // counted afresh, as the first of a new history.
    if (last.getTime() <= cutoff) return { state: { changes, flappingSince: null }, verdict: 'ends' };
    return { state: { changes, flappingSince: prev.flappingSince }, verdict: 'flapping' };
  }
  if (change && changes.length > settings.changes)
    return { state: { changes, flappingSince: now }, verdict: 'starts' };
  return { state: { changes, flappingSince: null }, verdict: 'steady' };
}

/** The one sentence a flapping notice says. */
export function flappingText(settings: ResolvedFlapping): string {
  const window = formatDuration(settings.windowMs);
  return `Changed state more than ${settings.changes} times within ${window}: flapping. Quiet until it is stable for ${window}; its final state will be told then.`;
}

/** What the notice on the final state says when flapping ends. */
export function stableText(settings: ResolvedFlapping | undefined): string {
  return settings
    ? `No longer flapping: no change for ${formatDuration(settings.windowMs)}.`
    : 'No longer flapping: flap detection was turned off.';
}
