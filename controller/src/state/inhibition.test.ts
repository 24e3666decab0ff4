import { describe, expect, it } from 'vitest';
import { inhibited, type UnreachableSpan } from './inhibition.js';

const t0 = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const closed: UnreachableSpan = { openedAt: at(0), resolvedAt: at(100) };
const open: UnreachableSpan = { openedAt: at(0), resolvedAt: null };

describe('inhibited', () => {
  // [spans, probe time (seconds), expected, why]
  const cases: [UnreachableSpan[], number | undefined, boolean, string][] = [
    [[], 50, false, 'the agent was never unreachable'],
    [[open], 50, true, 'the agent is unreachable now'],
    [[open], -10, true, 'unreachable now: even a late result probed before is held (its agent is the alert)'],
    [[open], undefined, true, 'unreachable now, no probe time'],
    [[closed], 50, true, 'replayed from the spool: probed while the agent was unreachable'],
    [[closed], 0, true, 'probed the moment it became unreachable'],
    [[closed], 100, true, 'probed the moment it was heard again'],
    [[closed], 101, false, 'probed after the agent was heard again: a live result'],
    [[closed], -1, false, 'probed before the agent went silent: judged as usual'],
    [[closed], undefined, false, 'no probe time: only an open span inhibits'],
    [[{ openedAt: at(-500), resolvedAt: at(-400) }, closed], 50, true, 'any span that covers the probe time'],
  ];
  it.each(cases)('%j at %s -> %s (%s)', (spans, second, expected) => {
    expect(inhibited(spans, second === undefined ? undefined : at(second))).toBe(expected);
  });
});
