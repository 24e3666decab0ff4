import { describe, expect, it } from 'vitest';
import type { CheckOverride } from '../store/check-overrides.js';
import { overrideFor, planDisable, planEnable } from './decide.js';

const now = new Date('2026-12-07T14:00:00Z');
const earlier = new Date('2026-12-07T12:00:00Z');

/** `web@web-1` disabled on web-1, `web@*` on every agent; by alice, earlier. */
function overrides(...keys: string[]): CheckOverride[] {
  return keys.map((key) => {
    const [checkId, agent] = key.split('@') as [string, string];
    return { checkId, agent: agent === '*' ? null : agent, by: 'alice', at: earlier, comment: null };
  });
}
const key = (o: CheckOverride | undefined) => o && `${o.checkId}@${o.agent ?? '*'}`;

describe('overrideFor', () => {
  // [overrides, check, agent, the override that disables it, why]
  const cases: [string[], string, string, string | undefined, string][] = [
    [[], 'web', 'web-1', undefined, 'nothing disabled: the policy decides'],
    [['web@web-1'], 'web', 'web-1', 'web@web-1', "the agent's own override"],
    [['web@web-2'], 'web', 'web-1', undefined, "another agent's override does not apply"],
    [['mail@web-1'], 'web', 'web-1', undefined, "another check's override does not apply"],
    [['web@*'], 'web', 'web-1', 'web@*', 'disabled on every agent'],
    [['web@*', 'web@web-1'], 'web', 'web-1', 'web@web-1', "the agent's own comes first (its who and when)"],
  ];
  it.each(cases)('%j %s on %s -> %s (%s)', (given, checkId, agent, expected) => {
    expect(key(overrideFor(overrides(...given), checkId, agent))).toBe(expected);
  });
});

describe('planDisable', () => {
  // [overrides, agent (null: every agent), 'write' or the override kept, why]
  const cases: [string[], string | null, string, string][] = [
    [[], 'web-1', 'write', 'not disabled yet: written'],
    [[], null, 'write', 'not disabled yet on every agent: written'],
    [['web@web-1'], 'web-1', 'web@web-1', 'again on the same agent: idempotent, the first who and when stay'],
    [['web@*'], 'web-1', 'web@*', 'already disabled on every agent, so on this one too'],
    [['web@web-1'], null, 'write', 'one agent disabled does not make every agent disabled'],
    [['web@*'], null, 'web@*', 'again on every agent: idempotent'],
    [['mail@*'], 'web-1', 'write', "another check's override changes nothing"],
  ];
  it.each(cases)('%j, disable on %s -> %s (%s)', (given, agent, expected) => {
    const request = { checkId: 'web', agent, by: 'bob', comment: 'maintenance' };
    const plan = planDisable(overrides(...given), request, now);
    if (expected === 'write') expect(plan).toEqual({ write: { ...request, at: now } });
    else expect('already' in plan && key(plan.already)).toBe(expected);
  });
});

describe('planEnable', () => {
  // [overrides, agent (null: every agent), the agents whose overrides go, or 'blocked', why]
  const cases: [string[], string | null, (string | null)[] | 'blocked', string][] = [
    [[], 'web-1', [], 'not disabled: nothing to do, idempotent'],
    [[], null, [], 'not disabled anywhere: nothing to do'],
    [['web@web-1'], 'web-1', ['web-1'], "the agent's own override goes"],
    [['web@web-1', 'web@web-2'], 'web-1', ['web-1'], "the other agent's stays"],
    [
      ['web@web-1', 'web@web-2', 'web@*'],
      null,
      ['web-1', 'web-2', null],
      'without an agent: every override of the check goes',
    ],
    [['web@*'], 'web-1', 'blocked', 'one agent cannot be excepted from a disable on every agent'],
    [['mail@web-1'], null, [], "another check's overrides stay"],
  ];
  it.each(cases)('%j, enable on %s -> %j (%s)', (given, agent, expected) => {
    const plan = planEnable(overrides(...given), 'web', agent);
    if (expected === 'blocked') expect('blockedBy' in plan && key(plan.blockedBy)).toBe('web@*');
    else expect(plan).toEqual({ remove: expected });
  });
});
