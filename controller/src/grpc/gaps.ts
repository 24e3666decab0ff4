import type { GapReport } from '@portwarden/proto/agent/v1';
import type { GapRecord } from '../store/gaps.js';
import { InvalidMessageError, LIMITS } from './validate.js';

/** Check ids a single report may count: a spool holds results of the checks the agent ran. */
export const MAX_GAP_CHECKS = 1000;

/** A gap report must add up: ids and seqs positive, counts consistent. Else INVALID_ARGUMENT. */
export function validateGap(gap: GapReport): GapRecord {
  const positive = (value: number) => Number.isSafeInteger(value) && value >= 1;
  if (!positive(gap.id)) throw new InvalidMessageError('gap.id must be a positive integer');
  if (!positive(gap.fromSeq) || !positive(gap.toSeq) || gap.toSeq < gap.fromSeq)
    throw new InvalidMessageError('gap.from_seq and gap.to_seq must be positive, from_seq <= to_seq');
  if (!positive(gap.dropped) || gap.dropped > gap.toSeq - gap.fromSeq + 1)
    throw new InvalidMessageError('gap.dropped must be at least 1 and fit between from_seq and to_seq');
  const entries = Object.entries(gap.byCheck);
  if (entries.length > MAX_GAP_CHECKS)
    throw new InvalidMessageError(`gap.by_check has ${entries.length} checks; at most ${MAX_GAP_CHECKS}`);
  let sum = 0;
  for (const [checkId, count] of entries) {
    if (checkId === '' || checkId.length > LIMITS.checkIdLength)
      throw new InvalidMessageError('gap.by_check has an empty or too long check id');
    if (!positive(count)) throw new InvalidMessageError(`gap.by_check.${checkId} must be a positive integer`);
    sum += count;
  }
  if (sum !== gap.dropped)
    throw new InvalidMessageError(`gap.by_check adds up to ${sum}, not to gap.dropped (${gap.dropped})`);
  return {
    id: gap.id,
    fromSeq: gap.fromSeq,
    toSeq: gap.toSeq,
    dropped: gap.dropped,
    byCheck: Object.fromEntries(entries),
  };
}
