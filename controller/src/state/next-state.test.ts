import { describe, expect, it } from 'vitest';
import { nextState, type CheckState, type IncidentTransition } from './next-state.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

/** Runs a sequence of outcomes through nextState and returns the events in order, with their index. */
function run(outcomes: string, threshold: number, start?: CheckState): string[] {
  let state = start;
  const events: string[] = [];
  [...outcomes].forEach((c, i) => {
    const decision = nextState(state, { outcome: c === 'U' ? 'up' : 'down', at: at(i) }, threshold);
    state = decision.state;
    if (decision.event) events.push(`${decision.event}@${i}`);
  });
  return events;
}

describe('nextState', () => {
  // [outcomes (U up, D down), threshold, expected events, why]
  const cases: [string, number, string[], string][] = [
    ['UUU', 1, [], 'all good: nothing to say'],
    ['D', 1, ['opened@0'], 'threshold 1: the first failure opens'],
    ['DD', 3, [], 'below the threshold: no incident yet'],
    ['DDD', 3, ['opened@2'], 'the third consecutive failure opens, not before'],
    ['DDDDDD', 3, ['opened@2'], 'further failures do not open a second incident'],
    ['DDUDD', 3, [], 'a success in between resets the count'],
    ['DDDU', 3, ['opened@2', 'resolved@3'], 'the first success resolves'],
    ['DDDUU', 3, ['opened@2', 'resolved@3'], 'more successes do not resolve twice'],
    [
      'DUDUDU',
      1,
      ['opened@0', 'resolved@1', 'opened@2', 'resolved@3', 'opened@4', 'resolved@5'],
      'flapping at threshold 1 reports each change',
    ],
    ['DDUDDD', 3, ['opened@5'], 'the count restarts after a success'],
    ['U', 1, [], 'first result up: no resolve without an open incident'],
  ];
  it.each(cases)('%s with threshold %i -> %j (%s)', (outcomes, threshold, expected) => {
    expect(run(outcomes, threshold)).toEqual(expected);
  });

  it('resumes from a stored state with an open incident', () => {
    const open: CheckState = { outcome: 'down', consecutiveFailures: 5, since: t0, incidentOpen: true };
    expect(run('DU', 3, open)).toEqual(['resolved@1']);
  });

  it('keeps since while the outcome stays the same and moves it on a change', () => {
    const first = nextState(undefined, { outcome: 'down', at: at(0) }, 3).state;
    const second = nextState(first, { outcome: 'down', at: at(5) }, 3).state;
    const third = nextState(second, { outcome: 'up', at: at(9) }, 3).state;
    expect([first.since, second.since, third.since]).toEqual([at(0), at(0), at(9)]);
  });

  it('counts failures exactly', () => {
    let state: CheckState | undefined;
    const events: (IncidentTransition | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const d = nextState(state, { outcome: 'down', at: at(i) }, 10);
      state = d.state;
      events.push(d.event);
    }
    expect(state?.consecutiveFailures).toBe(4);
    expect(events.every((e) => e === undefined)).toBe(true);
  });
});
