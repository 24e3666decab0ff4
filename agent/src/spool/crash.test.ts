import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACK_SAVE_EVERY, openSpool } from './spool.js';

const CHILD = fileURLToPath(new URL('./testing/append-loop.ts', import.meta.url));
const AGENT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Small segments, so that rolling, deleting and saving the state all happen between kills. */
const SEGMENT_BYTES = 8 * 1024;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Life {
  /** lastSeq as the child found it when it opened the spool. */
  openedAt: number;
  /** Seqs whose append had resolved when the child died. */
  confirmed: number[];
  /** The highest ack the child made (or was about to make). */
  maxAck: number;
  signal: NodeJS.Signals | null;
}

/** Runs the child until it has confirmed `killAfter` appends, then kills it with SIGKILL. */
function liveAndDie(killAfter: number): Promise<Life> {
  // tsx runs the TypeScript child as it is; it is resolved from the agent package, like vitest.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(SEGMENT_BYTES)], {
    cwd: AGENT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const life: Life = { openedAt: -1, confirmed: [], maxAck: 0, signal: null };
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('open ')) life.openedAt = Number(line.slice(5));
      else if (line.startsWith('ack ')) life.maxAck = Math.max(life.maxAck, Number(line.slice(4)));
      else life.confirmed.push(Number(line));
      if (life.confirmed.length >= killAfter && !child.killed) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ ...life, signal }));
  });
}

/** A small seeded generator, so that a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe('spool under SIGKILL', () => {
  it('keeps every confirmed result exactly once across 20 kills at random moments', async () => {
    const seed = Date.now();
    const next = random(seed);
    const confirmed = new Set<number>();
    let maxAck = 0;
    let lastSeq = 0;
    for (let round = 1; round <= 20; round++) {
      const where = `seed ${seed}, round ${round}`;
      // Kill after 0 to 300 confirmations: anywhere from opening the spool to deep in a run,
      // and at any point of a batch's write and sync.
      const life = await liveAndDie(Math.floor(next() * 301));
      expect(life.signal, where).toBe('SIGKILL');
      expect(life.openedAt, where).toBe(lastSeq);
      // No seq handed out twice: each new one is above everything the spool had before.
      expect(
        life.confirmed.filter((seq) => seq <= lastSeq || confirmed.has(seq)),
        where,
      ).toEqual([]);
      life.confirmed.forEach((seq) => confirmed.add(seq));
      maxAck = Math.max(maxAck, life.maxAck);

      const spool = await openSpool({ dir, segmentBytes: SEGMENT_BYTES });
      const seqs = spool.pending().map((r) => r.seq);
      lastSeq = spool.lastSeq;
      await spool.close();
      expect(
        seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
        where,
      ).toBe(true);
      const present = new Set(seqs);
      const missing = [...confirmed].filter((seq) => seq > maxAck && !present.has(seq));
      expect(missing, where).toEqual([]);
      expect(lastSeq, where).toBeGreaterThanOrEqual(Math.max(0, ...confirmed));
      // Acknowledged results may come back after a crash, but only a bounded few (see ack()).
      expect(seqs.filter((seq) => seq <= maxAck).length, where).toBeLessThan(2 * ACK_SAVE_EVERY);
    }
    expect(confirmed.size).toBeGreaterThan(0);
  }, 120_000);
});
