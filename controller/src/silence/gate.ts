import type { Delivery, Gate, GateVerdict } from '../notify/deliver.js';
import type { IncidentEvent } from '../state/event.js';
import { coverAt, coverNote } from './active.js';
import { matchLabels } from './labels.js';
import type { Cover, CoverSource, FiringLookup, FiringRecord } from './types.js';

export interface SilenceGateDeps {
  covers: CoverSource;
  firings: FiringLookup;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Holds the notifications of events covered by a silence or a maintenance window at the moment
 * of delivery: recorded as `held` with the note `silence 7` or `maintenance <name>`, not sent.
 * A resolve follows its firing on the same channel instead of the silences of the moment.
 */
export function silenceGate(deps: SilenceGateDeps): Gate {
  const now = deps.now ?? (() => new Date());
  return {
    name: 'silence',
    async check({ event, channelKey }: Delivery) {
      if (event.event === 'resolved')
        return decideSilence(event, await deps.firings.firingBefore(event, channelKey), undefined);
      const at = now();
      const [silences, windows] = await Promise.all([deps.covers.silences(at), deps.covers.maintenance()]);
      return decideSilence(event, undefined, coverAt(matchLabels(event), silences, windows, at));
    },
  };
}

/**
 * The gate's decision, pure. A firing (any `opened` event: the first, a repeat, a release) is
 * held while something covers it. A resolve is held exactly when its firing was held on this
 * channel: nobody was told it fired, so nobody is told it stopped; a resolve whose firing was
 * sent (or failed, or is still being tried) goes out even under a silence.
 */
export function decideSilence(
  event: Pick<IncidentEvent, 'event'>,
  firing: FiringRecord | undefined,
  cover: Cover | undefined,
): GateVerdict | undefined {
  if (event.event === 'resolved')
    return firing?.status === 'held'
      ? { hold: 'held', ...(firing.note && { note: firing.note }) }
      : undefined;
  return cover && { hold: 'held', note: coverNote(cover) };
}
