import { describe, expect, it } from 'vitest';
import { judgeLiveness, LIVENESS_THRESHOLDS, livenessState, type LivenessInput } from './liveness.js';
import { nextState } from './next-state.js';

const t0 = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const SILENCE = 30_000;

describe('judgeLiveness', () => {
  // [stored last_seen_at, heard by this process, store up since, expected verdict, why]
  const cases: [number | null, number | undefined, number | undefined, string, string][] = [
    [-40, undefined, -600, 'silent', 'stored silence past the window, heard of nowhere: unreachable'],
    [null, undefined, -600, 'silent', 'never seen at all: unreachable'],
    [-40, -10, -600, 'alive', 'this process heard it 10 s ago though the store missed it (a failed write)'],
    [-40, -30, -600, 'alive', 'heard exactly one window ago: not yet silent'],
    [-40, -31, -600, 'silent', 'heard here too, but longer ago than the window'],
    [-40, undefined, undefined, 'unjudged', 'the store is failing now: nobody is judged'],
    [
      -40,
      undefined,
      -10,
      'unjudged',
      'the store came back 10 s ago: wait a full window (other replicas could not write either)',
    ],
    [-40, undefined, -30, 'silent', 'the store has answered for a full window: judge again'],
    [
      -90,
      -5,
      -10,
      'unjudged',
      'just after an outage even an agent heard here is not judged; nothing to flush either',
    ],
  ];
  it.each(cases)('stored %s, heard %s, store up since %s → %s (%s)', (stored, heard, upSince, verdict) => {
    const input: LivenessInput = {
      storedSeenAt: stored === null ? null : at(stored),
      heardAt: heard === undefined ? undefined : at(heard),
      now: t0,
      silenceMs: SILENCE,
      storeUpSince: upSince === undefined ? undefined : at(upSince),
    };
    expect(judgeLiveness(input).verdict).toBe(verdict);
  });

  it('says since when it has heard nothing, from the later of the store and this process', () => {
    const verdict = judgeLiveness({
      storedSeenAt: at(-100),
      heardAt: at(-40),
      now: t0,
      silenceMs: SILENCE,
      storeUpSince: at(-600),
    });
    expect(verdict).toEqual({
      verdict: 'silent',
      observation: { outcome: 'down', at: t0 },
      detail: `no heartbeat since ${at(-40).toISOString()}`,
    });
  });
});

describe('liveness through nextState', () => {
  // [incident open before, observation, expected event, why]
  const cases: [boolean, 'up' | 'down', string | undefined, string][] = [
    [false, 'down', 'opened', 'a silent agent opens its incident at once (threshold 1)'],
    [true, 'down', undefined, 'still silent: no second incident'],
    [true, 'up', 'resolved', 'heard again: resolved'],
    [false, 'up', undefined, 'heard, nothing open: nothing to say'],
  ];
  it.each(cases)('open %s, seen %s → %s (%s)', (open, outcome, event) => {
    const prev = livenessState(open ? { openedAt: at(-60) } : undefined, at(-90));
    expect(nextState(prev, { outcome, at: t0 }, LIVENESS_THRESHOLDS).event).toBe(event);
  });
});
