import { describe, expect, it } from 'vitest';
import { nextState, type CheckState, type IncidentTransition, type Observation } from './next-state.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

/** Runs a sequence of outcomes through nextState and returns the events in order, with their index. */
function run(outcomes: string, threshold: number, start?: CheckState, successes?: number): string[] {
  let state = start;
  const events: string[] = [];
  [...outcomes].forEach((c, i) => {
    const decision = nextState(
      state,
      { outcome: c === 'U' ? 'up' : 'down', at: at(i) },
      {
        failuresBeforeAlert: threshold,
        ...(successes !== undefined && { successesBeforeResolve: successes }),
      },
    );
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

  // [outcomes, threshold, successesBeforeResolve, expected events, why]
  const recovery: [string, number, number, string[], string][] = [
    ['DUUU', 1, 3, ['opened@0', 'resolved@3'], 'the third consecutive success resolves, not before'],
    ['DUU', 1, 3, ['opened@0'], 'two successes of three: the incident stays open'],
    [
      'DUUDUUU',
      1,
      3,
      ['opened@0', 'resolved@6'],
      'a failure in between resets the successes and opens nothing new',
    ],
    ['DUUUUU', 1, 3, ['opened@0', 'resolved@3'], 'more successes do not resolve twice'],
    [
      'UUUD',
      1,
      3,
      ['opened@3'],
      'successes without an open incident resolve nothing and do not hold back an opening',
    ],
    [
      'DUUUD',
      1,
      3,
      ['opened@0', 'resolved@3', 'opened@4'],
      'after the resolve, the next failure opens a new incident',
    ],
    ['DDUUDD', 2, 2, ['opened@1', 'resolved@3', 'opened@5'], 'both thresholds at once'],
    ['DU', 1, 1, ['opened@0', 'resolved@1'], 'the default, 1: the first success resolves'],
  ];
  it.each(recovery)(
    '%s with threshold %i and successesBeforeResolve %i -> %j (%s)',
    (outcomes, threshold, successes, expected) => {
      expect(run(outcomes, threshold, undefined, successes)).toEqual(expected);
    },
  );

  it('counts successes while the incident waits, and keeps it open until the count is reached', () => {
    const t = { failuresBeforeAlert: 1, successesBeforeResolve: 2 };
    const down = nextState(undefined, { outcome: 'down', at: at(0) }, t).state;
    const once = nextState(down, { outcome: 'up', at: at(1) }, t);
    expect(once.state).toMatchObject({ outcome: 'up', consecutiveSuccesses: 1, incidentOpen: true });
    expect(once.event).toBeUndefined();
    const twice = nextState(once.state, { outcome: 'up', at: at(2) }, t);
    expect(twice.state).toMatchObject({ consecutiveSuccesses: 2, incidentOpen: false, since: at(1) });
    expect(twice.event).toBe('resolved');
  });

  it('resumes from a stored state with an open incident', () => {
    const open: CheckState = {
      outcome: 'down',
      consecutiveFailures: 5,
      consecutiveSuccesses: 0,
      since: t0,
      incidentOpen: true,
    };
    expect(run('DU', 3, open)).toEqual(['resolved@1']);
  });

  it('keeps since while the outcome stays the same and moves it on a change', () => {
    const t = { failuresBeforeAlert: 3 };
    const first = nextState(undefined, { outcome: 'down', at: at(0) }, t).state;
    const second = nextState(first, { outcome: 'down', at: at(5) }, t).state;
    const third = nextState(second, { outcome: 'up', at: at(9) }, t).state;
    expect([first.since, second.since, third.since]).toEqual([at(0), at(0), at(9)]);
  });

  it('counts failures exactly', () => {
    let state: CheckState | undefined;
    const events: (IncidentTransition | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const d = nextState(state, { outcome: 'down', at: at(i) }, { failuresBeforeAlert: 10 });
      state = d.state;
      events.push(d.event);
    }
    expect(state?.consecutiveFailures).toBe(4);
    expect(events.every((e) => e === undefined)).toBe(true);
  });
});

/**
 * Checks with a response. Each letter is one result: `d` down from an agent that runs the response
 * itself, `D` down from one that does not, `U` up; a round's result: `R`
 * recovered (up), `F` failed, `X` denied, `S` suppressed, `B` rebooting (all down).
 */
const ROUND: Record<string, Omit<Observation, 'at'>> = {
  d: { outcome: 'down', agentResponds: true },
  D: { outcome: 'down' },
  U: { outcome: 'up' },
  R: { outcome: 'up', response: 'recovered', agentResponds: true },
  F: { outcome: 'down', response: 'failed', agentResponds: true },
  X: { outcome: 'down', response: 'denied', agentResponds: true },
  S: { outcome: 'down', response: 'suppressed', agentResponds: true },
  B: { outcome: 'down', response: 'rebooting', agentResponds: true },
};

function rounds(results: string, threshold: number, respondsFirst: boolean): string[] {
  let state: CheckState | undefined;
  const events: string[] = [];
  [...results].forEach((c, i) => {
    const decision = nextState(
      state,
      { ...ROUND[c]!, at: at(i) },
      { failuresBeforeAlert: threshold, respondsFirst },
    );
    state = decision.state;
    if (decision.event) events.push(`${decision.event}@${i}`);
  });
  return events;
}

describe('nextState for a check with a response', () => {
  // [results, threshold, responds first, expected events, why]
  const cases: [string, number, boolean, string[], string][] = [
    ['ddR', 3, true, [], 'the response fixed it: no incident'],
    ['ddF', 3, true, ['opened@2'], 'the verification failed too: one incident'],
    ['ddFddd', 3, true, ['opened@2'], 'later failures open nothing more'],
    ['ddX', 3, true, ['opened@2'], 'the agent does not allow the response: the alert goes ahead'],
    ['ddS', 3, true, ['opened@2'], 'the reboot guard held it back: the alert goes ahead'],
    ['ddB', 3, true, [], 'the host is rebooting: the agent probes again when it is back'],
    ['ddBdddS', 3, true, ['opened@6'], "after the reboot, the agent's next round decides"],
    ['ddddd', 3, true, [], "past the threshold without a round: the agent's round is still to come"],
    ['DDD', 3, true, ['opened@2'], 'an agent that runs no response for it: the threshold decides'],
    ['dF', 3, true, ['opened@1'], 'a failed round opens even when results before it were lost'],
    ['ddRddF', 3, true, ['opened@5'], 'a recovery resets the count; the next failed round opens'],
    ['ddFU', 3, true, ['opened@2', 'resolved@3'], 'the first success resolves, as always'],
    ['ddd', 3, false, ['opened@2'], 'no response configured: the threshold alone decides'],
    ['F', 1, true, ['opened@0'], 'threshold 1: the first failure responds, and its round opens'],
  ];
  it.each(cases)(
    '%s at threshold %i (responds first: %s) -> %j (%s)',
    (results, threshold, first, expected) => {
      expect(rounds(results, threshold, first)).toEqual(expected);
    },
  );

  it('says why a failure past the threshold opened nothing', () => {
    const thresholds = { failuresBeforeAlert: 1, respondsFirst: true };
    expect(nextState(undefined, { ...ROUND.d!, at: t0 }, thresholds).held).toBe('awaiting-response');
    expect(nextState(undefined, { ...ROUND.B!, at: t0 }, thresholds).held).toBe('rebooting');
    expect(nextState(undefined, { ...ROUND.F!, at: t0 }, thresholds).held).toBeUndefined();
  });
});
