import { describe, expect, it } from 'vitest';
import type { IncidentEvent, Subject } from './event.js';
import {
  dueGroups,
  groupingRule,
  groupKey,
  groupLabels,
  groupNotification,
  withGrouping,
  type PendingMember,
} from './grouping.js';

const t0 = new Date('2026-12-07T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

const web1 = { name: 'web-1', hostname: 'web-1.lan', labels: { role: 'web', dc: 'fra' } };
const subject = (check = 'https', agent = web1): Pick<Subject, 'agent' | 'check'> => ({
  agent: { id: 7, ...agent },
  check: { id: check, name: check.toUpperCase(), host: '10.0.0.7', port: 443 },
});

function opened(incidentId: number, check = 'https'): Omit<IncidentEvent, 'outboxId'> {
  const { agent, check: c } = subject(check);
  return {
    event: 'opened',
    incidentId,
    check: c,
    agent: { name: agent.name, hostname: agent.hostname, labels: agent.labels },
    alertGroup: { id: 'ops', name: 'Ops' },
    policyRevision: 3,
    reason: 'refused',
    detail: 'connect ECONNREFUSED',
    consecutiveFailures: 3,
    startsAt: at(0).toISOString(),
  };
}

describe('groupLabels and groupKey', () => {
  // [groupBy, agent, check, expected labels, expected key, why]
  const cases: [string[], typeof web1, string, Record<string, string>, string, string][] = [
    [['agent'], web1, 'https', { agent: 'web-1' }, 'ops:{agent="web-1"}', 'agent is the agent name'],
    [['check'], web1, 'smtp', { check: 'smtp' }, 'ops:{check="smtp"}', 'check is the check id'],
    [['role'], web1, 'https', { role: 'web' }, 'ops:{role="web"}', 'any other name is an agent label'],
    [
      ['role', 'agent'],
      web1,
      'https',
      { agent: 'web-1', role: 'web' },
      'ops:{agent="web-1",role="web"}',
      'names in a stable order, whatever the order in the policy',
    ],
    [
      ['rack'],
      web1,
      'https',
      { rack: '' },
      'ops:{rack=""}',
      'a missing label groups with the empty value, as in Alertmanager',
    ],
    [
      ['agent'],
      { ...web1, name: 'we"b' },
      'https',
      { agent: 'we"b' },
      'ops:{agent="we\\"b"}',
      'values are quoted, so no value can forge another key',
    ],
  ];
  it.each(cases)('%j on %j/%s -> %j (%s)', (by, agent, check, labels, key) => {
    expect(groupLabels(by, subject(check, agent))).toEqual(labels);
    expect(groupKey('ops', labels)).toBe(key);
  });
});

describe('withGrouping', () => {
  const rule = { by: ['agent'], waitMs: 30_000 };
  // [event change, rule, grouped?, why]
  const cases: [Partial<IncidentEvent>, typeof rule | undefined, boolean, string][] = [
    [{}, rule, true, 'an opening in a grouped alert group waits for its group'],
    [{}, undefined, false, 'no groupBy: one incident, one notification, at once'],
    [{ event: 'resolved', endsAt: at(9).toISOString() }, rule, false, 'resolves are told at once'],
    [{ hold: 'inhibited' }, rule, false, 'held for another reason: stays so, never sent with a group'],
    [{ notice: { kind: 'repeat', text: 'still' } }, rule, false, 'a notice is not a first page'],
  ];
  it.each(cases)('%j with %j -> grouped %s (%s)', (change, r, grouped) => {
    const event = withGrouping({ ...opened(1), ...change }, subject(), r, at(0));
    expect(event.hold === 'grouped').toBe(grouped);
    expect(event.grouping !== undefined).toBe(grouped);
  });

  it('is due groupWait after the incident opened', () => {
    const event = withGrouping(opened(1), subject(), rule, at(5));
    expect(event.grouping).toEqual({
      key: 'ops:{agent="web-1"}',
      labels: { agent: 'web-1' },
      dueAt: at(35).toISOString(),
    });
  });

  it('takes the rule from the resolved alert group, none without groupBy', () => {
    const base = { id: 'ops', name: 'Ops', channels: [] };
    expect(groupingRule({ ...base, grouping: { by: ['agent'], waitMs: 2000 } })).toEqual({
      by: ['agent'],
      waitMs: 2000,
    });
    expect(groupingRule(base)).toBeUndefined();
    expect(groupingRule(undefined)).toBeUndefined();
  });
});

/** A member booked at `openedS` seconds, grouped by agent with a 30 s wait. */
function pending(outboxId: number, openedS: number, agent = web1, check = 'https'): PendingMember {
  const event = withGrouping(
    { ...opened(outboxId, check), agent: { ...agent }, startsAt: at(openedS).toISOString() },
    subject(check, agent),
    { by: ['agent'], waitMs: 30_000 },
    at(openedS),
  );
  return { outboxId, event };
}

const web2 = { ...web1, name: 'web-2' };

describe('dueGroups', () => {
  // [pending, now (s), expected groups of outbox ids, why]
  const cases: [PendingMember[], number, number[][], string][] = [
    [[pending(1, 0)], 29, [], 'still gathering before groupWait'],
    [[pending(1, 0)], 30, [[1]], 'due exactly groupWait after the first member'],
    [
      [pending(1, 0), pending(2, 20)],
      30,
      [[1, 2]],
      'a later member goes with the first: the group is due by its first',
    ],
    [[pending(2, 20), pending(1, 0)], 30, [[1, 2]], 'members oldest first, whatever order they are read in'],
    [[pending(1, 0), pending(2, 5, web2)], 30, [[1]], 'another agent is another group, due on its own'],
    [[pending(1, 0), pending(2, 5, web2)], 35, [[1], [2]], 'both due: two notifications'],
    [[], 100, [], 'nothing waiting'],
  ];
  it.each(cases)('%# at %is -> %j (%s)', (members, now, expected) => {
    expect(dueGroups(members, at(now)).map((group) => group.map((m) => m.outboxId))).toEqual(expected);
  });
});

describe('groupNotification', () => {
  it('lists every member, with the first one as the event itself', () => {
    const group = [pending(1, 0, web1, 'https'), pending(2, 3, web1, 'smtp')];
    const event = groupNotification(group)!;
    expect(event.event).toBe('opened');
    expect(event.incidentId).toBe(1);
    expect(event.hold).toBeUndefined();
    expect(event.grouping?.labels).toEqual({ agent: 'web-1' });
    expect(event.members?.map((m) => [m.incidentId, m.check.id, m.event])).toEqual([
      [1, 'https', 'opened'],
      [2, 'smtp', 'opened'],
    ]);
  });

  // [members (resolved seconds or undefined; 'inhibited' for another hold), expected, why]
  const cases: [(number | undefined | 'inhibited')[], string, string][] = [
    [[undefined, 10], 'opened 1:opened,2:resolved', 'a member resolved meanwhile is listed as resolved'],
    [[10, undefined], 'opened 2:opened,1:resolved', 'the event itself is a firing member'],
    [[10, 12], 'resolved 1:resolved,2:resolved', 'all resolved: a resolved event, still told once'],
    [['inhibited', undefined], 'opened 2:opened', 'a member held for another reason is left out'],
    [['inhibited'], 'none', 'nobody left: no notification'],
  ];
  it.each(cases)('%j -> %s (%s)', (states, expected) => {
    const members = states.map((state, index): PendingMember => {
      const member = pending(index + 1, 0);
      if (state === 'inhibited') return { ...member, event: { ...member.event, hold: 'inhibited' } };
      return state === undefined ? member : { ...member, resolvedAt: at(state) };
    });
    const event = groupNotification(members);
    const shown = event
      ? `${event.event} ${event.incidentId}:${event.event},${(event.members ?? [])
          .filter((m) => m.incidentId !== event.incidentId)
          .map((m) => `${m.incidentId}:${m.event}`)
          .join(',')}`.replace(/,$/, '')
      : 'none';
    expect(shown).toBe(expected);
  });

  it('never ends a member before it started, and routes by the newest revision', () => {
    const late = pending(1, 20);
    const newer = { ...pending(2, 21), event: { ...pending(2, 21).event, policyRevision: 4 } };
    const event = groupNotification([{ ...late, resolvedAt: at(10) }, newer])!;
    expect(event.members?.[0]?.endsAt).toBe(at(20).toISOString());
    expect(event.policyRevision).toBe(4);
  });
});
