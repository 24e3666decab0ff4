import { describe, expect, it } from 'vitest';
import { LIVENESS_CHECK_ID } from '../../state/event.js';
import { firingEvent, resolvedEvent } from '../testing/chat-shapes.js';
import { incidentFacts, truncate } from './facts.js';

describe('incidentFacts', () => {
  it.each([
    // a port check: host and port
    ['port check', firingEvent, 'mail.example:25'],
    // a firewall check probes the agent's own host: no port
    [
      'firewall',
      { ...firingEvent, check: { ...firingEvent.check, kind: 'firewall' as const, port: 0 } },
      'mail.example',
    ],
    // an unreachable agent: its host
    [
      'liveness',
      { ...firingEvent, check: { id: LIVENESS_CHECK_ID, name: 'Agent unreachable', host: 'mx-1', port: 0 } },
      'mx-1',
    ],
  ])('%s: target', (_why, event, target) => {
    expect(incidentFacts(event, 'http://ui.example').target).toBe(target);
  });

  it('states, times and the incident link', () => {
    expect(incidentFacts(firingEvent, 'http://ui.example//')).toMatchObject({
      state: 'FIRING',
      firing: true,
      title: 'Mail on mx-1',
      summary: 'Mail on mx-1 failed: expect-mismatch',
      url: 'http://ui.example/incidents/5',
    });
    expect(incidentFacts(firingEvent, 'http://ui.example').endsAt).toBeUndefined();
    expect(incidentFacts(resolvedEvent, 'http://ui.example')).toMatchObject({
      state: 'RESOLVED',
      firing: false,
      endsAt: '2026-11-21T10:05:00.000Z',
    });
  });

  it.each([
    // why: an acknowledgement is news about a firing incident: headline and text, still firing.
    [{ kind: 'acknowledged', text: 'Acknowledged by alice: on it.', by: 'alice' }, 'ACKNOWLEDGED'],
    // why: a repeat says the incident is still open.
    [{ kind: 'repeat', text: 'Still failing after 4h.' }, 'STILL FIRING'],
    [{ kind: 'escalated', text: 'Not acknowledged within 15m.' }, 'ESCALATED'],
  ] as const)('notice %j -> %s', (notice, state) => {
    expect(incidentFacts({ ...firingEvent, notice }, 'http://ui.example')).toMatchObject({
      state,
      firing: true,
      notice: notice.text,
    });
  });
});

describe('truncate', () => {
  it.each([
    ['short', 5, 'short'],
    ['longer text', 5, 'long…'],
    ['😀😀😀', 4, '😀…'],
    ['', 3, ''],
  ])('%j to %i -> %j', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});
