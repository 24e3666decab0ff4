import type { HoldReason } from './event.js';
import type { FlapVerdict } from './flapping.js';
import type { IncidentTransition } from './next-state.js';

/**
 * What receivers are told about one result of a check, as a pure function: flapping and
 * inhibition decide whether an event is sent or only recorded (`hold`), and what is owed later.
 *
 * The rule that keeps receivers consistent: every incident's firing is either told or held, and
 * recorded on the incident (`firingTold`). A resolve is told exactly when its firing was, so that
 * nobody gets a resolve for something never fired; a told firing always gets its resolve, at once,
 * or, while the check flaps, once it is stable (the resolve is then "owed"), so that no firing is
 * left without one. A held firing is told later when its reason goes: the agent is heard again and
 * the check still fails ("released"), or the check stops flapping while down.
 */
export interface TellInput {
  transition: IncidentTransition | undefined;
  flap: FlapVerdict;
  /** The agent was unreachable when the result was probed (state/inhibition.ts). */
  inhibited: boolean;
  /**
   * The result is down. An open incident may be waiting for its successes
   * (`successesBeforeResolve`): its held firing is not told while the check passes.
   */
  failing: boolean;
  /**
   * Whether the firing of the incident concerned was told: the resolved one on `resolved`, the
   * open one otherwise; undefined when there is none (no transition and nothing open, or opened).
   */
  firingTold: boolean | undefined;
}

export interface TellDecision {
  /** The transition's own event: sent (no hold) or recorded with `hold`, with the flapping notice when it starts. */
  event?: { hold?: HoldReason; flappingNotice?: true };
  /** The resolve just recorded was held while its firing had been told: tell it when stable. */
  owesResolve?: true;
  /** Tell the firing of the open incident now: the agent is back and it still fails, or flapping ended down. */
  fireOpen?: 'released' | 'stable';
  /**
   * Flapping ended: tell the resolve of the check's last incident whose firing was told, `owed` only
   * if it was held (the check ends down: that incident is not the open one), `always` when it ends up.
   */
  resolveLastTold?: 'owed' | 'always';
}

export function decideTelling(input: TellInput): TellDecision {
  if (input.transition === 'opened') return tellOpened(input);
  if (input.transition === 'resolved') return tellResolved(input);
  return tellUnchanged(input);
}

function tellOpened({ flap, inhibited }: TellInput): TellDecision {
  const owed = flap === 'ends' ? ({ resolveLastTold: 'owed' } as const) : {};
  if (inhibited) return { event: { hold: 'inhibited' }, ...owed };
  if (flap === 'flapping') return { event: { hold: 'flapping' } };
  if (flap === 'starts') return { event: { flappingNotice: true } };
  return { event: {}, ...owed };
}

function tellResolved({ flap, firingTold }: TellInput): TellDecision {
  if (firingTold) {
    if (flap === 'flapping') return { event: { hold: 'flapping' }, owesResolve: true };
    return flap === 'starts' ? { event: { flappingNotice: true } } : { event: {} };
  }
  // Its firing was never told: neither is its resolve.
  if (flap === 'ends') return { event: { hold: 'flapping' }, resolveLastTold: 'always' };
  return { event: { hold: flap === 'steady' ? 'inhibited' : 'flapping' } };
}

function tellUnchanged({ flap, inhibited, firingTold, failing }: TellInput): TellDecision {
  const open = firingTold !== undefined;
  if (flap === 'ends') {
    if (!open) return { resolveLastTold: 'always' };
    return inhibited || !failing
      ? { resolveLastTold: 'owed' }
      : { resolveLastTold: 'owed', fireOpen: 'stable' };
  }
  if (flap === 'steady' && open && !firingTold && !inhibited && failing) return { fireOpen: 'released' };
  return {};
}
