import { describe, expect, it } from 'vitest';
import { acknowledgedEvent, escalatedEvent, repeatEvent, type OpenedPayload } from './followup-events.js';

const opened: OpenedPayload = {
  event: 'opened',
  incidentId: 42,
  check: { id: 'https', name: 'HTTPS', host: '10.0.0.7', port: 443 },
  agent: { name: 'web-1', hostname: 'web-1', labels: {} },
  alertGroup: { id: 'ops', name: 'Ops', repeatIntervalMs: 14_400_000 },
  policyRevision: 3,
  reason: 'refused',
  detail: 'connect ECONNREFUSED',
  consecutiveFailures: 3,
  startsAt: '2026-12-07T10:00:00.000Z',
};
const ops = { id: 'ops', name: 'Ops' };
const leads = { id: 'leads', name: 'Team leads', repeatIntervalMs: 3_600_000 };

describe('follow-up events', () => {
  it.each([
    // why: the acknowledgement names who, and the comment when there is one
    [
      'ack with a comment',
      acknowledgedEvent(opened, 'alice', 'on it'),
      { notice: { kind: 'acknowledged', by: 'alice', text: 'Acknowledged by alice: on it' } },
    ],
    [
      'ack without',
      acknowledgedEvent(opened, 'alice'),
      { notice: { kind: 'acknowledged', by: 'alice', text: 'Acknowledged by alice' } },
    ],
    // why: the repeat says how long, in the policy's words, and reads the revision in force
    [
      'repeat',
      repeatEvent(opened, ops, 7, 14_400_000),
      { notice: { kind: 'repeat', text: 'Still failing after 4h' }, alertGroup: ops, policyRevision: 7 },
    ],
    // why: an escalation goes to the target group (its channels get it) and names where it came from
    [
      'escalation',
      escalatedEvent(opened, ops, leads, 7, 900_000),
      {
        notice: { kind: 'escalated', text: 'Not acknowledged within 15m; escalated from Ops' },
        alertGroup: leads,
        policyRevision: 7,
      },
    ],
  ])('%s', (_name, event, expected) => {
    expect(event).toEqual({ ...opened, ...expected, event: 'opened' });
  });

  it('a repeat of a repeat replaces the notice; an ack keeps a hold, a repeat drops it', () => {
    const again = repeatEvent({ ...repeatEvent(opened, ops, 3, 60_000), hold: 'flapping' }, ops, 3, 60_000);
    expect(again.notice).toEqual({ kind: 'repeat', text: 'Still failing after 1m' });
    expect(again.hold).toBeUndefined();
    expect(acknowledgedEvent({ ...opened, hold: 'inhibited' }, 'alice').hold).toBe('inhibited');
    // A grouped member was told with its group: its ack is sent, and never waits for a flush.
    const grouping = { key: 'ops:{agent="a1"}', labels: { agent: 'a1' }, dueAt: '2026-12-07T12:00:30.000Z' };
    const member = acknowledgedEvent({ ...opened, hold: 'grouped', grouping }, 'alice');
    expect(member.hold).toBeUndefined();
    expect(member).not.toHaveProperty('grouping');
  });
});
