import { down, type Verdict } from './conversation.js';
import type { Attempt } from './attempt.js';
import type { Plan } from './plan.js';

/** Details of at most this many addresses are spelled out when every one failed. */
const SHOWN = 4;

/**
 * The probe's verdict from its attempts, one per address. One address: its verdict as is. Several
 * (`addresses: all | any`): `decided` is the attempt that made the outcome certain (`all`: the first
 * to fail, `any`: the first to pass), and its address leads the detail. Otherwise every attempt
 * ended the same way: all passed (`all`) or all failed (`any`, reason of the first address). The
 * timings and the transcript are those of the deciding attempt, or of the first address.
 */
export function combine(
  plan: Plan,
  attempts: Attempt[],
  decided: Attempt | undefined,
): { verdict: Verdict; attempt: Attempt } {
  const first = attempts[0]!;
  if (attempts.length === 1) return { verdict: first.verdict!, attempt: first };
  const count = attempts.length;
  if (decided) {
    const { verdict, target } = decided;
    return {
      verdict: { ...verdict!, detail: `${target.where}, 1 of ${count} addresses: ${verdict!.detail}` },
      attempt: decided,
    };
  }
  if (plan.spec.addresses === 'all' || first.verdict!.outcome === 'up') {
    return {
      verdict: {
        outcome: 'up',
        // Every address by name: a passing `all` vouches for each of them, not only the first.
        detail: `all ${count} addresses passed (${attempts.map((a) => a.target.where).join(', ')}); ${first.target.where}: ${first.verdict!.detail}`,
      },
      attempt: first,
    };
  }
  const shown = attempts.slice(0, SHOWN).map((a) => `${a.target.where}: ${a.verdict!.detail}`);
  const more = count > SHOWN ? `; and ${count - SHOWN} more` : '';
  return {
    verdict: { ...first.verdict!, detail: `all ${count} addresses failed; ${shown.join('; ')}${more}` },
    attempt: first,
  };
}

/** A passing probe slower than `slowAfterMs` (0: off) is down, `slow`; anything else stands. */
export function slowness(verdict: Verdict, totalMs: number, slowAfterMs: number): Verdict {
  if (verdict.outcome !== 'up' || slowAfterMs <= 0 || totalMs <= slowAfterMs) return verdict;
  return down('slow', `took ${totalMs} ms, over slowAfter ${slowAfterMs} ms; ${verdict.detail}`);
}
