import type { Sweep } from '../followup/loop.js';
import type { IncidentEvent } from '../state/event.js';
import { coverAt, releaseText } from './active.js';
import { matchLabels } from './labels.js';
import type { Cover, CoverSource, HeldFiring, ReleaseStore } from './types.js';

/**
 * An incident whose firing was held and which still fires when its silence or maintenance window
 * ends is notified then: one new `opened` event, the held one's payload with a `released` notice.
 * Once written, that event is the incident's latest firing and is not held, so the same hold is
 * never released twice (the store locks the incidents, so two replicas do not both write it).
 */
export function silenceReleaseSweep(deps: { covers: CoverSource; store: ReleaseStore }): Sweep {
  return {
    name: 'silence-release',
    async run(now) {
      const [silences, windows] = await Promise.all([deps.covers.silences(now), deps.covers.maintenance()]);
      return deps.store.releaseHeld((held) =>
        decideRelease(held, coverAt(matchLabels(held.payload), silences, windows, now)),
      );
    },
  };
}

/** The decision, pure: still covered (by the same hold or another), nothing; else the release event. */
export function decideRelease(
  held: HeldFiring,
  cover: Cover | undefined,
): Omit<IncidentEvent, 'outboxId'> | undefined {
  if (cover) return undefined;
  const { hold: _hold, ...payload } = held.payload;
  return {
    ...payload,
    event: 'opened',
    notice: { kind: 'released', text: releaseText(held.note, held.payload.startsAt) },
  };
}
