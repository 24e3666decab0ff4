import { describe, expect, it } from 'vitest';
import { dueEscalations, type EscalationStep } from './escalate.js';
import type { FollowupIncident } from './repeat.js';

const t0 = new Date('2026-12-07T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

const open: FollowupIncident = {
  openedAt: t0,
  ackedAt: null,
  resolvedAt: null,
  firingSentAt: at(1),
  repeatWrittenAt: null,
};
const steps: EscalationStep[] = [
  { afterMs: 15 * 60_000, to: 'leads' },
  { afterMs: 60 * 60_000, to: 'cto' },
];

describe('dueEscalations (15m to leads, 1h to cto)', () => {
  const cases: [string, Partial<FollowupIncident>, number[], number, number[]][] = [
    // why: before the first step's time nothing is due
    ['early', {}, [], 14 * 60, []],
    // why: exactly `after` since the opening is due
    ['first step at its boundary', {}, [], 15 * 60, [0]],
    // why: a step taken is never taken again
    ['first step taken', {}, [0], 30 * 60, []],
    // why: the second step comes at its own time, once
    ['second step', {}, [0], 60 * 60, [1]],
    // why: with every step taken the incident stays with the groups it reached
    ['all taken', {}, [0, 1], 5 * 3600, []],
    // why: a sweep that missed both (controller down) takes both at once, in order
    ['both overdue', {}, [], 2 * 3600, [0, 1]],
    // why: acknowledged before `after`: nobody is escalated to
    ['acknowledged', { ackedAt: at(60) }, [], 2 * 3600, []],
    // why: a resolved incident escalates no further
    ['resolved', { resolvedAt: at(600) }, [], 2 * 3600, []],
    // why: a firing held by a silence or inhibited paged nobody, so escalates to nobody
    ['held', { firingSentAt: null }, [], 2 * 3600, []],
    // why: counted from the opening, not from when the firing was sent
    ['sent late', { firingSentAt: at(10 * 60) }, [], 15 * 60, [0]],
  ];
  it.each(cases)('%s', (_name, incident, taken, nowS, expected) => {
    expect(dueEscalations({ ...open, ...incident }, steps, taken, at(nowS))).toEqual(expected);
  });

  it('no steps: never', () => {
    expect(dueEscalations(open, [], [], at(99_999))).toEqual([]);
  });
});
