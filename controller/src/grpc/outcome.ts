import { isReason, type Reason } from '@portwarden/common/reasons';
import type { Outcome } from '@portwarden/proto/agent/v1';
import { OUTCOME_WORDS } from '@portwarden/proto/agent/v1/words';
import { InvalidMessageError } from './invalid-message.js';

/** A result's or a probe summary's outcome, UP or DOWN; one that is down names a known reason. */
export function validOutcome(
  wire: { outcome: Outcome; reason: string },
  path: string,
): { outcome: 'up' | 'down'; reason: Reason | '' } {
  const outcome = OUTCOME_WORDS.decode(wire.outcome);
  if (!outcome) throw new InvalidMessageError(`${path}.outcome must be UP or DOWN`);
  if (outcome === 'up') return { outcome, reason: '' };
  if (!isReason(wire.reason))
    throw new InvalidMessageError(`${path}.reason "${wire.reason.slice(0, 40)}" is not a known reason`);
  return { outcome, reason: wire.reason };
}
