import { describe, expect, it } from 'vitest';
import {
  acknowledgeIncident,
  decideAck,
  type AckBook,
  type AckDecision,
  type AckTarget,
} from './acknowledge.js';
import type { OpenedPayload } from './followup-events.js';

const at = new Date('2026-12-07T14:00:00Z');
const open: AckTarget = { id: 42, alertGroup: 'ops', resolvedAt: null, ack: null };

describe('decideAck', () => {
  const cases: [string, AckTarget | undefined, AckDecision][] = [
    // why: an open, unacknowledged incident is acknowledged
    ['open', open, 'acknowledge'],
    // why: a second ack changes nothing (idempotent) and says so
    ['acked', { ...open, ack: { by: 'alice', at } }, 'already-acknowledged'],
    // why: a resolved incident has nothing left to acknowledge (409)
    ['resolved', { ...open, resolvedAt: at }, 'resolved'],
    // why: resolved wins over acknowledged: the ack ended with the incident
    ['acked, then resolved', { ...open, resolvedAt: at, ack: { by: 'alice', at } }, 'resolved'],
    // why: no such incident (404)
    ['unknown', undefined, 'not-found'],
  ];
  it.each(cases)('%s', (_name, incident, expected) => {
    expect(decideAck(incident)).toBe(expected);
  });
});

describe('acknowledgeIncident', () => {
  function memory(opened: OpenedPayload | undefined) {
    const written: OpenedPayload[] = [];
    const marked: unknown[] = [];
    const book: AckBook = {
      lockIncident: async () => open,
      markAcked: async (_id, ack) => void marked.push(ack),
      latestOpened: async () => opened,
      addOutbox: async (_id, event) => void written.push(event),
    };
    return { book, written, marked };
  }

  it('records the ack and writes one acknowledged event', async () => {
    const opened = {
      event: 'opened',
      incidentId: 42,
      alertGroup: { id: 'ops', name: 'Ops' },
    } as OpenedPayload;
    const { book, written, marked } = memory(opened);
    const outcome = await acknowledgeIncident(book, 42, { by: 'alice', at });
    expect(outcome).toEqual({ status: 'acknowledged', ack: { by: 'alice', at }, events: 1 });
    expect(marked).toEqual([{ by: 'alice', at }]);
    expect(written.map((e) => e.notice?.kind)).toEqual(['acknowledged']);
  });

  it('records it without an event when nobody was told of the incident', async () => {
    const { book, written, marked } = memory(undefined);
    expect(await acknowledgeIncident(book, 42, { by: 'alice', at })).toMatchObject({ events: 0 });
    expect([marked.length, written.length]).toEqual([1, 0]);
  });
});
