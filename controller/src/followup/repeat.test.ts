import { describe, expect, it } from 'vitest';
import { decideRepeat, type FollowupIncident, type RepeatDecision } from './repeat.js';

const t0 = new Date('2026-12-07T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const HOUR = 3600;

/** Opened at t0, firing sent 5 s later, nothing else. */
const sent: FollowupIncident = {
  openedAt: t0,
  ackedAt: null,
  resolvedAt: null,
  firingSentAt: at(5),
  repeatWrittenAt: null,
};

describe('decideRepeat (interval 4h)', () => {
  const cases: [string, Partial<FollowupIncident>, number, RepeatDecision][] = [
    // why: the interval has not passed since the firing was sent
    ['just sent', {}, HOUR, { repeat: false, reason: 'not-due' }],
    // why: one millisecond short of the interval is not due
    ['a moment early', {}, 4 * HOUR + 5 - 0.001, { repeat: false, reason: 'not-due' }],
    // why: exactly the interval after the firing was sent is due (>=, as Alertmanager)
    ['at the boundary', {}, 4 * HOUR + 5, { repeat: true }],
    // why: counted from when the firing was sent, not from the opening
    ['sent late', { firingSentAt: at(HOUR) }, 4 * HOUR + 5, { repeat: false, reason: 'not-due' }],
    // why: a repeat written (maybe still queued) restarts the interval: no second one meanwhile
    ['repeat queued', { repeatWrittenAt: at(4 * HOUR + 5) }, 5 * HOUR, { repeat: false, reason: 'not-due' }],
    // why: the next repeat comes one interval after the last repeat
    ['second repeat', { repeatWrittenAt: at(4 * HOUR + 5) }, 8 * HOUR + 5, { repeat: true }],
    // why: a repeat that was sent moves firingSentAt on; the later of the two counts
    [
      'repeat sent',
      { firingSentAt: at(4 * HOUR + 9), repeatWrittenAt: at(4 * HOUR + 5) },
      8 * HOUR + 6,
      { repeat: false, reason: 'not-due' },
    ],
    // why: an acknowledged incident is not repeated however long it fires
    ['acknowledged', { ackedAt: at(60) }, 10 * HOUR, { repeat: false, reason: 'acknowledged' }],
    // why: a resolved incident is over
    ['resolved', { resolvedAt: at(60) }, 10 * HOUR, { repeat: false, reason: 'resolved' }],
    // why: a firing held by a silence or inhibited was never sent: nothing to repeat
    ['held', { firingSentAt: null }, 10 * HOUR, { repeat: false, reason: 'not-sent' }],
    // why: a resolve wins over an acknowledgement (both set after the incident resolved)
    [
      'acked then resolved',
      { ackedAt: at(60), resolvedAt: at(90) },
      10 * HOUR,
      { repeat: false, reason: 'resolved' },
    ],
  ];
  it.each(cases)('%s', (_name, incident, nowS, expected) => {
    expect(decideRepeat({ ...sent, ...incident }, 4 * HOUR * 1000, at(nowS))).toEqual(expected);
  });
});
