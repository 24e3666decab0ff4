import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEADER_BYTES, MAGIC } from './frame.js';
import { openSpool, type ResultRecord, type Spool, type SpoolOptions } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-evict-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every test result has this many payload bytes, so a bound is a number of results. */
const PAYLOAD = 200;
const FRAME = HEADER_BYTES + PAYLOAD;

/** A result of check `checkId`, its detail the label the table uses (`a1` = a's first result). */
function record(checkId: string, up: boolean, label: string): ResultRecord {
  const base: ResultRecord = {
    checkId,
    startedAtUnixMs: 1_700_000_000_000,
    outcome: up ? 'up' : 'down',
    ...(!up && { reason: 'refused' as const }),
    detail: '',
    durationMs: 1,
    timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
  };
  const padded = { ...base, detail: label.padEnd(PAYLOAD - Buffer.byteLength(JSON.stringify(base))) };
  if (Buffer.byteLength(JSON.stringify(padded)) !== PAYLOAD) throw new Error('PAYLOAD is too small');
  return padded;
}

/** Room for `results` results; segments of 3; an eviction drops exactly the excess. */
const options = (results: number, extra: Partial<SpoolOptions> = {}): SpoolOptions => ({
  dir,
  maxBytes: results * FRAME,
  segmentBytes: MAGIC.length + 3 * FRAME,
  headroomBytes: 0,
  ...extra,
});

/**
 * Runs the steps: `a+` appends an up result of check a, `a-` a down one, `^N` acknowledges up to
 * seq N. Results are labelled by check and count: `a1`, `a2`, ...
 */
async function run(spool: Spool, steps: string): Promise<void> {
  const counts = new Map<string, number>();
  for (const step of steps.split(' ')) {
    if (step.startsWith('^')) {
      spool.ack(Number(step.slice(1)));
      continue;
    }
    const check = step[0]!;
    const n = (counts.get(check) ?? 0) + 1;
    counts.set(check, n);
    await spool.append(record(check, step[1] === '+', `${check}${n}`));
  }
  // an append resolves once its result is synced; the eviction it causes runs right after
  await spool.flushed();
}

const survivors = (spool: Spool) =>
  spool
    .pending()
    .map((r) => r.detail.trim())
    .join(' ');

function dropped(spool: Spool): Record<string, number> {
  const total: Record<string, number> = {};
  for (const gap of spool.gaps())
    for (const [check, count] of Object.entries(gap.byCheck)) total[check] = (total[check] ?? 0) + count;
  return total;
}

interface Case {
  why: string;
  /** The bound, in results. */
  room: number;
  steps: string;
  survivors: string;
  dropped: Record<string, number>;
}

// A check's first result counts as a state change: it sets the check's state.
const cases: Case[] = [
  {
    why: 'the oldest periodic results go first; a first result counts as a state change',
    room: 4,
    steps: 'a+ a+ a+ a+ a+ a+',
    survivors: 'a1 a4 a5 a6',
    dropped: { a: 2 },
  },
  {
    why: 'periodic results go oldest first whatever their check',
    room: 5,
    steps: 'a+ b+ a+ b+ a+ b+ a+ b+',
    survivors: 'a1 b1 b3 a4 b4',
    dropped: { a: 2, b: 1 },
  },
  {
    why: 'a failure after a success outlives the periodic results around it',
    room: 3,
    steps: 'a+ a+ a- a- a- a-',
    survivors: 'a1 a3 a6',
    dropped: { a: 3 },
  },
  {
    why: 'a recovery outlives the periodic failures before it',
    room: 3,
    steps: 'a- a- a- a+ a+',
    survivors: 'a1 a4 a5',
    dropped: { a: 2 },
  },
  {
    why: 'once only state changes remain, the oldest state change goes',
    room: 4,
    steps: 'a+ a- a+ a- a+ a-',
    survivors: 'a3 a4 a5 a6',
    dropped: { a: 2 },
  },
  {
    why: 'a newer periodic result goes before an older state change of another check',
    room: 4,
    steps: 'a+ a- b+ b+ b+ b+',
    survivors: 'a1 a2 b1 b4',
    dropped: { b: 2 },
  },
  {
    why: 'periodic results first, then the oldest state change, across checks',
    room: 4,
    steps: 'a+ b+ a- b+ b+ a+ b+',
    survivors: 'b1 a2 a3 b4',
    dropped: { a: 1, b: 2 },
  },
  {
    why: 'a repeated failure is periodic and goes before another check’s first result',
    room: 3,
    steps: 'a- b+ b+ b+ a- a- b+',
    survivors: 'a1 b1 b4',
    dropped: { a: 2, b: 2 },
  },
  {
    why: 'the newest result always stays, even with room for one',
    room: 1,
    steps: 'a+ a+ a-',
    survivors: 'a3',
    dropped: { a: 2 },
  },
  {
    why: 'nothing goes while there is room',
    room: 4,
    steps: 'a+ a- b+ b-',
    survivors: 'a1 a2 b1 b2',
    dropped: {},
  },
  {
    why: 'acknowledged results go first, and are no gap',
    room: 3,
    steps: 'a+ a+ a+ ^2 a+ a+',
    survivors: 'a3 a4 a5',
    dropped: {},
  },
  {
    why: 'acknowledged results first, then the oldest periodic ones',
    room: 3,
    steps: 'a+ a+ a+ ^1 a+ a+ a+',
    survivors: 'a4 a5 a6',
    dropped: { a: 2 },
  },
];

describe('spool eviction when full', () => {
  it.each(cases)('$why', async (c) => {
    const spool = await openSpool(options(c.room));
    await run(spool, c.steps);
    expect(survivors(spool)).toBe(c.survivors);
    expect(dropped(spool)).toEqual(c.dropped);
    expect(spool.stats.bytes).toBeLessThanOrEqual(c.room * FRAME);
    await spool.close();

    // the survivors and the counts are on disk, not only in memory
    const reopened = await openSpool(options(c.room));
    expect(survivors(reopened)).toBe(c.survivors);
    expect(dropped(reopened)).toEqual(c.dropped);
    await reopened.close();
  });

  it('reports each eviction pass once, with its seq range, until the controller acknowledges it', async () => {
    const first = await openSpool(options(4, { headroomBytes: 2 * FRAME }));
    await run(first, 'a+ a+ a+ a+ a+ b-');
    // the fifth result went over: one pass dropped down to 2 results' room below the bound
    expect(first.gaps()).toEqual([{ id: 1, fromSeq: 2, toSeq: 4, dropped: 3, byCheck: { a: 3 } }]);
    expect(survivors(first)).toBe('a1 a5 b1');
    await first.close();

    const second = await openSpool(options(4, { headroomBytes: 2 * FRAME }));
    expect(second.gaps()).toEqual([{ id: 1, fromSeq: 2, toSeq: 4, dropped: 3, byCheck: { a: 3 } }]);
    second.ackGaps(1);
    expect(second.gaps()).toEqual([]);
    // seqs 7 and 8 repeat b's failure; at 8 the pass takes the periodic a5 and b7, then the
    // oldest state change, a1
    await run(second, 'b- b- c+');
    expect(second.gaps()).toEqual([{ id: 2, fromSeq: 1, toSeq: 7, dropped: 3, byCheck: { a: 2, b: 1 } }]);
    await second.close();

    const third = await openSpool(options(4, { headroomBytes: 2 * FRAME }));
    expect(third.gaps().map((g) => g.id)).toEqual([2]);
    await third.close();
  });
});
