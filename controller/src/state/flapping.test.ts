import { describe, expect, it } from 'vitest';
import { judgeFlapping, NOT_FLAPPING, type FlapState, type FlapVerdict } from './flapping.js';
import type { IncidentTransition } from './next-state.js';

const t0 = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const settings = { changes: 3, windowMs: 60_000 };

/**
 * Runs results through judgeFlapping: each is `[second, change]` with change `o` opened, `r`
 * resolved, `-` none. Returns the verdict of each result that is not `steady`, as `verdict@second`.
 */
function run(results: [number, string][], start: FlapState = NOT_FLAPPING): string[] {
  let state = start;
  const verdicts: string[] = [];
  for (const [second, c] of results) {
    const change: IncidentTransition | undefined = c === 'o' ? 'opened' : c === 'r' ? 'resolved' : undefined;
    const decision = judgeFlapping(state, change, settings, at(second));
    state = decision.state;
    if (decision.verdict !== 'steady') verdicts.push(`${decision.verdict}@${second}`);
  }
  return verdicts;
}

describe('judgeFlapping (3 changes allowed within 60 s)', () => {
  // [results, expected verdicts, why]
  const cases: [[number, string][], string[], string][] = [
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
      ],
      [],
      'three changes are allowed',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [30, 'r'],
      ],
      ['starts@30'],
      'the fourth change within the window starts it',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [70, 'r'],
      ],
      [],
      'changes older than the window no longer count: 10, 20 and 70 are three',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [30, 'r'],
        [40, 'o'],
        [50, '-'],
      ],
      ['starts@30', 'flapping@40', 'flapping@50'],
      'while flapping, changes and quiet results within the window stay flapping',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [30, 'r'],
        [89, '-'],
        [90, '-'],
      ],
      ['starts@30', 'flapping@89', 'ends@90'],
      'stable on the first result a full window after the last change, not before',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [30, 'r'],
        [95, 'o'],
        [96, 'r'],
      ],
      ['starts@30', 'ends@95'],
      'a change after a quiet window ends it, and counts afresh: one and two changes are allowed',
    ],
    [
      [
        [0, 'o'],
        [10, 'r'],
        [20, 'o'],
        [30, 'r'],
        [100, '-'],
        [101, 'o'],
        [102, 'r'],
        [103, 'o'],
        [104, 'r'],
      ],
      ['starts@30', 'ends@100', 'starts@104'],
      'after it ended it can start again, only on a full count of new changes',
    ],
    [
      [
        [0, '-'],
        [10, '-'],
        [20, '-'],
      ],
      [],
      'no changes: never flapping',
    ],
  ];
  it.each(cases)('%j -> %j (%s)', (results, expected) => {
    expect(run(results)).toEqual(expected);
  });

  it('keeps at most one change more than allowed, all within the window', () => {
    let state = NOT_FLAPPING;
    for (let s = 0; s < 10; s++) state = judgeFlapping(state, 'opened', settings, at(s)).state;
    expect(state.changes).toEqual([at(6), at(7), at(8), at(9)]);
    expect(state.flappingSince).toEqual(at(3));
  });

  it.each<[FlapState, FlapVerdict, string]>([
    [
      { changes: [at(0)], flappingSince: at(0) },
      'ends',
      'turned off while flapping: the final state is told',
    ],
    [{ changes: [at(0)], flappingSince: null }, 'steady', 'turned off while steady: nothing to tell'],
  ])('without settings, from %j -> %s (%s)', (prev, verdict) => {
    expect(judgeFlapping(prev, 'opened', undefined, at(1))).toEqual({ state: NOT_FLAPPING, verdict });
  });
});
