import { describe, expect, it } from 'vitest';
import type { FlapVerdict } from './flapping.js';
import type { IncidentTransition } from './next-state.js';
import { decideTelling, type TellDecision } from './tell.js';

type Row = [IncidentTransition | '-', FlapVerdict, boolean, boolean | undefined, TellDecision, string];
/** A row for a result that is up while an incident stays open (waiting for successesBeforeResolve). */
type RecoveringRow = [FlapVerdict, boolean, boolean, TellDecision, string];

describe('decideTelling', () => {
  // [transition, flap verdict, inhibited, firing told (of the incident concerned), decision, why]
  const cases: Row[] = [
    ['opened', 'steady', false, undefined, { event: {} }, 'the usual case: the firing is sent'],
    [
      'opened',
      'steady',
      true,
      undefined,
      { event: { hold: 'inhibited' } },
      'its agent is unreachable: recorded only',
    ],
    [
      'opened',
      'starts',
      false,
      undefined,
      { event: { flappingNotice: true } },
      'this change starts flapping: the one notice',
    ],
    ['opened', 'flapping', false, undefined, { event: { hold: 'flapping' } }, 'flapping: recorded only'],
    ['opened', 'flapping', true, undefined, { event: { hold: 'inhibited' } }, 'inhibition is named first'],
    [
      'opened',
      'ends',
      false,
      undefined,
      { event: {}, resolveLastTold: 'owed' },
      'stable and down again: an owed resolve first, then this firing',
    ],
    [
      'opened',
      'ends',
      true,
      undefined,
      { event: { hold: 'inhibited' }, resolveLastTold: 'owed' },
      'stable but inhibited: the owed resolve still goes (its firing was told)',
    ],
    ['resolved', 'steady', false, true, { event: {} }, 'the usual case: the resolve is sent'],
    [
      'resolved',
      'steady',
      true,
      true,
      { event: {} },
      'a told firing always gets its resolve, inhibited or not',
    ],
    [
      'resolved',
      'steady',
      false,
      false,
      { event: { hold: 'inhibited' } },
      'its firing was held: so is its resolve',
    ],
    [
      'resolved',
      'starts',
      false,
      true,
      { event: { flappingNotice: true } },
      'the notice rides on a told resolve',
    ],
    [
      'resolved',
      'starts',
      false,
      false,
      { event: { hold: 'flapping' } },
      'a resolve of a held firing cannot carry the notice: never a resolve for something never fired',
    ],
    [
      'resolved',
      'flapping',
      false,
      true,
      { event: { hold: 'flapping' }, owesResolve: true },
      'flapping: held, and owed until stable',
    ],
    [
      'resolved',
      'flapping',
      false,
      false,
      { event: { hold: 'flapping' } },
      'flapping, never told: nothing owed',
    ],
    [
      'resolved',
      'ends',
      false,
      true,
      { event: {} },
      'stable and up on a told incident: its resolve is the final state',
    ],
    [
      'resolved',
      'ends',
      false,
      false,
      { event: { hold: 'flapping' }, resolveLastTold: 'always' },
      'stable and up on a held incident: the final state is the last told incident resolved',
    ],
    ['-', 'steady', false, undefined, {}, 'nothing changed, nothing open'],
    ['-', 'steady', false, true, {}, 'still failing, already told'],
    [
      '-',
      'steady',
      false,
      false,
      { fireOpen: 'released' },
      'the agent is back and it still fails: the held firing goes',
    ],
    ['-', 'steady', true, false, {}, 'still inhibited: still held'],
    ['-', 'flapping', false, false, {}, 'still flapping: still quiet'],
    ['-', 'ends', false, undefined, { resolveLastTold: 'always' }, 'stable and up: the final state is told'],
    [
      '-',
      'ends',
      false,
      false,
      { resolveLastTold: 'owed', fireOpen: 'stable' },
      'stable and down: the owed resolve, then the open firing',
    ],
    [
      '-',
      'ends',
      false,
      true,
      { resolveLastTold: 'owed', fireOpen: 'stable' },
      'stable and down, already told: told again, always',
    ],
    ['-', 'ends', true, false, { resolveLastTold: 'owed' }, 'stable and down but inhibited: released later'],
  ];
  it.each(cases)(
    '%s, %s, inhibited %s, told %s -> %j (%s)',
    (transition, flap, inhibited, firingTold, expected) => {
      expect(
        decideTelling({
          transition: transition === '-' ? undefined : transition,
          flap,
          inhibited,
          failing: transition !== 'resolved',
          firingTold,
        }),
      ).toEqual(expected);
    },
  );

  // An up result while the incident waits for its successes: [flap, inhibited, firing told, decision, why]
  const recovering: RecoveringRow[] = [
    ['steady', false, false, {}, 'the check passes: a held firing is not released as "still fails"'],
    ['steady', false, true, {}, 'told, waiting for its successes: nothing new'],
    [
      'ends',
      false,
      false,
      { resolveLastTold: 'owed' },
      'stable while recovering: no firing for a passing check',
    ],
    [
      'ends',
      false,
      true,
      { resolveLastTold: 'owed' },
      'stable while recovering, told: its resolve will follow',
    ],
  ];
  it.each(recovering)(
    'recovering, %s, inhibited %s, told %s -> %j (%s)',
    (flap, inhibited, firingTold, expected) => {
      expect(decideTelling({ transition: undefined, flap, inhibited, failing: false, firingTold })).toEqual(
        expected,
      );
    },
  );
});
