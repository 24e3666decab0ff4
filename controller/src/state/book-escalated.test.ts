import { describe, expect, it } from 'vitest';
import { bookTransition, type IncidentBook } from './book.js';
import type { IncidentEvent, Subject } from './event.js';
import { nextState } from './next-state.js';

const t0 = new Date('2026-12-07T12:00:00Z');

describe('bookTransition: the resolve of an escalated incident', () => {
  it('goes to its own group and to each group it was escalated to', async () => {
    const outbox: Omit<IncidentEvent, 'outboxId'>[] = [];
    const book: IncidentBook = {
      openIncident: async () => undefined,
      resolveIncident: async () => ({
        cause: { reason: 'refused', detail: 'was refused' },
        openedAt: new Date(t0.getTime() - 60_000),
        resolvedAt: t0,
        firingTold: true,
        escalatedTo: [{ id: 'leads', name: 'Team leads' }],
      }),
      addOutbox: async (_id, event) => void outbox.push(event),
      incident: async () => {
        throw new Error('not asked here');
      },
      lastTold: async () => undefined,
      setTold: async () => {},
      unreachableSpans: async () => [],
    };
    const subject: Subject = {
      agent: { id: 7, name: 'web-1', hostname: 'web-1', labels: {} },
      check: { id: 'https', name: 'HTTPS', host: '10.0.0.7', port: 443 },
      group: { id: 'ops', name: 'Ops' },
      policyRevision: 5,
    };
    const prev = {
      outcome: 'down' as const,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      since: t0,
      incidentOpen: true,
    };
    const booking = await bookTransition(book, subject, {
      prev,
      decision: nextState(prev, { outcome: 'up', at: t0 }, { failuresBeforeAlert: 1 }),
      incidentId: 42,
      cause: { reason: 'ok', detail: '' },
      at: t0,
    });
    expect(booking.events).toBe(2);
    expect(outbox.map((e) => [e.event, e.alertGroup.id])).toEqual([
      ['resolved', 'ops'],
      ['resolved', 'leads'],
    ]);
  });
});
