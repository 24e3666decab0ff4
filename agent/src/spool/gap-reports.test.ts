import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HEADER_BYTES, MAGIC } from './frame.js';
import { openSpool, type GapReport, type ResultRecord } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-gap-reports-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const result = (checkId: string, i: number): ResultRecord => ({
  checkId,
  startedAtUnixMs: 1_700_000_000_000 + i,
  outcome: 'up',
  detail: `result ${i}`.padEnd(100),
  durationMs: 1,
  timings: { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 },
});

/**
 * The link sends a report as soon as gaps() shows it, and the controller records the first copy
 * of each id. A pass rewrites several segments one after the other, so gaps() must never show a
 * pass halfway: every report it ever shows is the final one for its id.
 */
// 200 appends, each synced to disk: seconds on a loaded machine, so more than vitest's 5 s default.
it('never shows a gap report before its eviction pass is complete', { timeout: 30_000 }, async () => {
  const frame = HEADER_BYTES + Buffer.byteLength(JSON.stringify(result('a', 10)));
  // Segments of 2 results and a bound of 12: each pass drops from several segments.
  const spool = await openSpool({
    dir,
    maxBytes: 12 * frame,
    segmentBytes: MAGIC.length + 2 * frame,
    headroomBytes: 6 * frame,
  });
  const seen = new Map<number, string>();
  const look = () => {
    for (const gap of spool.gaps()) {
      const text = JSON.stringify(gap);
      if (!seen.has(gap.id)) seen.set(gap.id, text);
      // The first sight of a report is what the controller would record: it must never change.
      expect(text).toBe(seen.get(gap.id));
    }
  };
  // One append at a time, so that each commit runs its own eviction pass. The pass is still
  // running when the append resolves: look at every turn of the event loop until it is done.
  for (let i = 0; i < 200; i++) {
    await spool.append(result(i % 3 === 0 ? 'a' : 'b', i));
    let settled = false;
    void spool.flushed().then(() => (settled = true));
    while (!settled) {
      look();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await spool.flushed();
  look();
  const final: GapReport[] = spool.gaps();
  expect(final.length).toBeGreaterThan(1);
  expect(final.map((g) => JSON.stringify(g))).toEqual(final.map((g) => seen.get(g.id)));
  // Nothing is lost from the count: what was sent plus what was dropped is everything appended.
  const dropped = final.reduce((sum, g) => sum + g.dropped, 0);
  expect(dropped + spool.pending().length).toBe(200);
  await spool.close();
});
