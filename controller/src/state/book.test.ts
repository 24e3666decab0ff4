import { describe, expect, it } from 'vitest';
import {
  bookTransition,
  quietBooking,
  type ClosedIncident,
  type IncidentBook,
  type NewIncident,
} from './book.js';
import type { IncidentEvent, Subject } from './event.js';
import { nextState, type CheckState, type Observation } from './next-state.js';

const t0 = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

/** An incident book in memory: what the PostgreSQL one does, for the decision's sake. */
function memoryBook(openAlready = false) {
  const opened: NewIncident[] = [];
  const outbox: Omit<IncidentEvent, 'outboxId'>[] = [];
  const book: IncidentBook = {
    async openIncident(_agentId, incident) {
      if (openAlready) return undefined;
      opened.push(incident);
      return 41 + opened.length;
    },
    async resolveIncident(_incidentId, when): Promise<ClosedIncident> {
      const openedAt = at(-60);
      return {
        cause: { reason: 'refused', detail: 'was refused' },
        openedAt,
        resolvedAt: when < openedAt ? openedAt : when,
        firingTold: true,
      };
    },
    async addOutbox(_incidentId, event) {
      outbox.push(event);
    },
    incident: async () => {
      throw new Error('not asked in these tests');
    },
    lastTold: async () => undefined,
    setTold: async () => {},
    unreachableSpans: async () => [],
  };
  return { book, opened, outbox };
}

const group = { id: 'ops', name: 'Ops' };
const subject = (withGroup = true): Subject => ({
  agent: { id: 7, name: 'web-1', hostname: 'web-1.lan', labels: {} },
  check: { id: 'https', name: 'HTTPS', host: '10.0.0.7', port: 443 },
  group: withGroup ? group : undefined,
  policyRevision: 5,
});
const down: CheckState = {
  outcome: 'down',
  consecutiveFailures: 3,
  consecutiveSuccesses: 0,
  since: at(-60),
  incidentOpen: true,
};

async function book(
  prev: CheckState | undefined,
  seen: Observation,
  options: { incidentId?: number | null; withGroup?: boolean; openAlready?: boolean; probedAt?: Date } = {},
) {
  const memory = memoryBook(options.openAlready);
  const booking = await bookTransition(memory.book, subject(options.withGroup ?? true), {
    prev,
    decision: nextState(prev, seen, { failuresBeforeAlert: 1 }),
    incidentId: options.incidentId ?? null,
    cause: { reason: 'refused', detail: 'connect ECONNREFUSED' },
    at: seen.at,
    ...(options.probedAt && { probedAt: options.probedAt }),
  });
  return { ...booking, ...memory };
}

describe('bookTransition', () => {
  it('opens an incident and writes its event, booked at the controller time', async () => {
    const { incidentId, events, opened, outbox } = await book(undefined, { outcome: 'down', at: t0 });
    expect([incidentId, events]).toEqual([42, 1]);
    expect(opened).toEqual([
      expect.objectContaining({ checkId: 'https', alertGroup: 'ops', openedAt: t0, reason: 'refused' }),
    ]);
    expect(outbox).toEqual([
      expect.objectContaining({
        event: 'opened',
        incidentId: 42,
        startsAt: t0.toISOString(),
        consecutiveFailures: 1,
      }),
    ]);
    expect(outbox[0]!.probedAt).toBeUndefined();
  });

  it('records without telling anyone when there is no alert group (liveness without a group)', async () => {
    const { incidentId, events, opened, outbox } = await book(
      undefined,
      { outcome: 'down', at: t0 },
      { withGroup: false },
    );
    expect([incidentId, events, opened.length, outbox.length]).toEqual([42, 0, 1, 0]);
  });

  it('writes nothing more when another writer opened it first', async () => {
    const { incidentId, events, outbox } = await book(
      undefined,
      { outcome: 'down', at: t0 },
      { openAlready: true },
    );
    expect([incidentId, events, outbox.length]).toEqual([null, 0, 0]);
  });

  it('resolves with the cause it opened with, and the failures it had', async () => {
    const { incidentId, events, outbox } = await book(down, { outcome: 'up', at: t0 }, { incidentId: 42 });
    expect([incidentId, events]).toEqual([null, 1]);
    expect(outbox[0]).toMatchObject({
      event: 'resolved',
      reason: 'refused',
      detail: 'was refused',
      consecutiveFailures: 3,
      startsAt: at(-60).toISOString(),
      endsAt: t0.toISOString(),
    });
  });

  it('shows the agent clock beside the controller time when they are more than a few seconds apart', async () => {
    const skewed = await book(undefined, { outcome: 'down', at: t0 }, { probedAt: at(600) });
    expect(skewed.outbox[0]!.probedAt).toBe(at(600).toISOString());
    const close = await book(undefined, { outcome: 'down', at: t0 }, { probedAt: at(-3) });
    expect(close.outbox[0]!.probedAt).toBeUndefined();
  });

  it('does nothing on a result that changes no incident', async () => {
    const still = await book(down, { outcome: 'down', at: t0 }, { incidentId: 42 });
    expect([still.incidentId, still.events, still.outbox.length]).toEqual([42, 0, 0]);
    const nothingOpen = await book(
      { ...down, incidentOpen: true },
      { outcome: 'up', at: t0 },
      { incidentId: null },
    );
    expect([nothingOpen.incidentId, nothingOpen.events]).toEqual([null, 0]);
  });
});

describe('quietBooking', () => {
  const up: CheckState = {
    ...down,
    outcome: 'up',
    consecutiveFailures: 0,
    consecutiveSuccesses: 4,
    incidentOpen: false,
  };
  const cases: {
    name: string;
    event?: 'opened' | 'resolved';
    incidentId: number | null;
    firingTold?: boolean;
    flap?: 'steady' | 'starts' | 'flapping' | 'ends';
    want: { incidentId: number | null; firingTold: boolean; events: 0 } | undefined;
  }[] = [
    { name: 'up, nothing open', incidentId: null, want: { incidentId: null, firingTold: true, events: 0 } },
    {
      name: 'still down, firing told',
      incidentId: 9,
      firingTold: true,
      want: { incidentId: 9, firingTold: true, events: 0 },
    },
    { name: 'an incident opens', event: 'opened', incidentId: null, want: undefined },
    { name: 'an incident resolves', event: 'resolved', incidentId: 9, want: undefined },
    {
      name: 'still down, firing held: it may be released',
      incidentId: 9,
      firingTold: false,
      want: undefined,
    },
    { name: 'flapping ends: a resolve may be owed', incidentId: null, flap: 'ends', want: undefined },
    { name: 'flapping', incidentId: 9, firingTold: true, flap: 'flapping', want: undefined },
  ];
  it.each(cases)('$name', ({ event, incidentId, firingTold, flap, want }) => {
    const transition = {
      prev: up,
      decision: { state: up, ...(event && { event }) },
      incidentId,
      ...(firingTold !== undefined && { firingTold }),
      cause: { reason: 'refused', detail: '' },
      at: t0,
      ...(flap && { flap: { verdict: flap, settings: undefined } }),
    };
    expect(quietBooking(transition)).toEqual(want);
  });
});
