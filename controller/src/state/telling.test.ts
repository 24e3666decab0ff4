import { describe, expect, it } from 'vitest';
import type { BookedIncident, IncidentBook } from './book.js';
import { bookTransition } from './book.js';
import type { IncidentEvent, Subject } from './event.js';
import { judgeFlapping, NOT_FLAPPING, type FlapState } from './flapping.js';
import type { UnreachableSpan } from './inhibition.js';
import { nextState, type CheckState } from './next-state.js';

/**
 * The ingest loop over the pure decisions and an incident book in memory: what receivers are sent
 * for a sequence of results, with flapping and inhibition together.
 */
const t0 = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const flapping = { changes: 2, windowMs: 10_000 };

function memoryBook(spans: UnreachableSpan[]) {
  const incidents: BookedIncident[] = [];
  const outbox: Omit<IncidentEvent, 'outboxId'>[] = [];
  const book: IncidentBook = {
    async openIncident(_agentId, incident) {
      const id = incidents.length + 1;
      incidents.push({
        id,
        cause: { reason: incident.reason, detail: incident.detail },
        openedAt: incident.openedAt,
        resolvedAt: null,
        firingTold: incident.firingTold,
        resolveOwed: false,
      });
      return id;
    },
    async resolveIncident(id, when) {
      const incident = incidents[id - 1]!;
      incident.resolvedAt = when;
      return { ...incident, resolvedAt: when };
    },
    addOutbox: async (_id, event) => void outbox.push(event),
    incident: async (id) => ({ ...incidents[id - 1]! }),
    lastTold: async (_agentId, _checkId, excluding) =>
      incidents.filter((i) => i.firingTold && i.id !== excluding).at(-1),
    setTold: async (id, told) => void Object.assign(incidents[id - 1]!, told),
    unreachableSpans: async () => spans,
  };
  return { book, outbox };
}

const subject: Subject = {
  agent: { id: 7, name: 'web-1', hostname: 'web-1', labels: {} },
  check: { id: 'https', name: 'HTTPS', host: '127.0.0.1', port: 443 },
  group: { id: 'ops', name: 'Ops' },
  policyRevision: 1,
};

/** Results `[second, U|D]`; returns what was sent, `event#incident` (`!` for a notice), and what was held. */
async function run(results: [number, 'U' | 'D'][], spans: UnreachableSpan[] = []) {
  const { book, outbox } = memoryBook(spans);
  let state: (CheckState & { incidentId: number | null; firingTold: boolean; flap: FlapState }) | undefined;
  for (const [second, outcome] of results) {
    const decision = nextState(
      state,
      { outcome: outcome === 'U' ? 'up' : 'down', at: at(second) },
      { failuresBeforeAlert: 1 },
    );
    const flap = judgeFlapping(state?.flap ?? NOT_FLAPPING, decision.event, flapping, at(second));
    const booked = await bookTransition(book, subject, {
      prev: state,
      decision,
      incidentId: state?.incidentId ?? null,
      ...(state && { firingTold: state.firingTold }),
      cause: { reason: 'refused', detail: '' },
      at: at(second),
      probedAt: at(second),
      flap: { verdict: flap.verdict, settings: flapping },
    });
    state = {
      ...decision.state,
      incidentId: booked.incidentId,
      firingTold: booked.firingTold,
      flap: flap.state,
    };
  }
  const name = (e: Omit<IncidentEvent, 'outboxId'>) =>
    `${e.event === 'opened' ? 'firing' : 'resolved'}#${e.incidentId}${e.notice ? '!' : ''}`;
  return {
    sent: outbox.filter((e) => !e.hold).map(name),
    held: outbox.filter((e) => e.hold).map((e) => `${name(e)}:${e.hold}`),
  };
}

/** What receivers believe at the end: the incidents they were last told are firing. */
function firingAtReceivers(sent: string[]): string[] {
  const last = new Map<string, string>();
  for (const s of sent) last.set(s.split('#')[1]!.replace('!', ''), s.split('#')[0]!);
  return [...last].filter(([, status]) => status === 'firing').map(([id]) => id);
}

describe('what receivers are sent (flapping: more than 2 changes within 10 s)', () => {
  // [results, sent, held, why]
  const cases: [[number, 'U' | 'D'][], string[], string[], string][] = [
    [
      [
        [0, 'D'],
        [1, 'U'],
      ],
      ['firing#1', 'resolved#1'],
      [],
      'two changes: not flapping',
    ],
    [
      [
        [0, 'D'],
        [1, 'U'],
        [2, 'D'],
        [3, 'U'],
        [4, 'D'],
        [15, 'D'],
      ],
      ['firing#1', 'resolved#1', 'firing#2!', 'resolved#2!', 'firing#3!'],
      ['resolved#2:flapping', 'firing#3:flapping'],
      'flapping starts on a firing (the notice), then quiet; stable down: the owed resolve, then the open incident fires',
    ],
    [
      [
        [0, 'D'],
        [1, 'U'],
        [2, 'D'],
        [3, 'U'],
        [4, 'D'],
        [5, 'U'],
        [16, 'U'],
      ],
      ['firing#1', 'resolved#1', 'firing#2!', 'resolved#2!'],
      ['resolved#2:flapping', 'firing#3:flapping', 'resolved#3:flapping'],
      'stable up: the resolve owed to the incident whose firing was told',
    ],
    [
      [
        [0, 'D'],
        [1, 'U'],
        [2, 'D'],
        [3, 'U'],
        [14, 'U'],
      ],
      ['firing#1', 'resolved#1', 'firing#2!', 'resolved#2!'],
      ['resolved#2:flapping'],
      'stable up right after the notice: its resolve',
    ],
    [
      [
        [0, 'U'],
        [1, 'D'],
        [2, 'U'],
        [3, 'D'],
        [4, 'U'],
        [15, 'U'],
      ],
      ['firing#1', 'resolved#1', 'firing#2!', 'resolved#2!'],
      ['resolved#2:flapping'],
      'starting up and ending up: the same',
    ],
    [
      [
        [0, 'D'],
        [1, 'U'],
        [2, 'D'],
        [3, 'U'],
        [4, 'D'],
        [15, 'U'],
      ],
      ['firing#1', 'resolved#1', 'firing#2!', 'resolved#2!'],
      ['resolved#2:flapping', 'firing#3:flapping', 'resolved#3:flapping'],
      'the change that ends it is a resolve of a held firing: the told incident resolves instead',
    ],
  ];
  it.each(cases)('%j (%s)', async (results, sent, held) => {
    const outcome = await run(results);
    expect(outcome).toEqual({ sent, held });
  });

  it.each(cases)(
    'leaves no firing behind once stable up, and never resolves what was not fired: %j',
    async (results) => {
      const { sent } = await run(results);
      const fired = new Set(
        sent.filter((s) => s.startsWith('firing')).map((s) => s.split('#')[1]!.replace('!', '')),
      );
      for (const s of sent.filter((s) => s.startsWith('resolved')))
        expect(fired.has(s.split('#')[1]!.replace('!', ''))).toBe(true);
      const finalUp = results.at(-1)![1] === 'U';
      expect(firingAtReceivers(sent)).toHaveLength(finalUp ? 0 : 1);
    },
  );
});

describe('what receivers are sent while the agent is unreachable (30 s to 60 s)', () => {
  const span = { openedAt: at(30), resolvedAt: at(60) };
  // [results, sent, held, why]
  const cases: [[number, 'U' | 'D'][], string[], string[], string][] = [
    [
      [
        [40, 'D'],
        [50, 'U'],
      ],
      [],
      ['firing#1:inhibited', 'resolved#1:inhibited'],
      'both inside the span: recorded only',
    ],
    [
      [
        [20, 'D'],
        [50, 'U'],
      ],
      ['firing#1', 'resolved#1'],
      [],
      'fired before the span: its resolve is never held',
    ],
    [
      [
        [40, 'D'],
        [70, 'D'],
      ],
      ['firing#1!'],
      ['firing#1:inhibited'],
      'still failing after the agent came back: released at the first live result',
    ],
    [
      [
        [40, 'D'],
        [70, 'D'],
        [80, 'U'],
      ],
      ['firing#1!', 'resolved#1'],
      ['firing#1:inhibited'],
      'released, then resolved: both told',
    ],
    [[[70, 'D']], ['firing#1'], [], 'after the span: as usual'],
  ];
  it.each(cases)('%j (%s)', async (results, sent, held) => {
    expect(await run(results, [span])).toEqual({ sent, held });
  });
});
