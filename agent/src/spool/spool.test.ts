import { appendFile, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolError } from './errors.js';
import { HEADER_BYTES, MAGIC, scanFrames } from './frame.js';
import { ACK_SAVE_EVERY, openSpool, type ResultRecord, type Spool, type SpoolOptions } from './spool.js';

let dir: string;
const open: Spool[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function spoolIn(options: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = await openSpool({ dir, ...options });
  open.push(spool);
  return spool;
}

function result(checkId: string): ResultRecord {
  return {
    checkId,
    startedAtUnixMs: 1_700_000_000_000,
    outcome: 'down',
    reason: 'refused',
    detail: 'cannot connect',
    durationMs: 3,
    timings: { dnsMs: 0, connectMs: 3, tlsMs: 0, firstByteMs: 0, totalMs: 3 },
  };
}

/** Bytes one `result(id)` with a one-letter id takes in a segment. */
const FRAME = HEADER_BYTES + Buffer.byteLength(JSON.stringify(result('x')));
/** A segment that holds exactly `n` such results. */
const segmentOf = (n: number) => MAGIC.length + n * FRAME;

const seqs = (spool: Spool) => spool.pending().map((r) => r.seq);
const spoolDir = () => path.join(dir, 'spool');
const segmentFiles = async () => (await readdir(spoolDir())).filter((n) => n.endsWith('.seg')).sort();

async function appendEach(spool: Spool, ids: string[]): Promise<void> {
  for (const id of ids) await spool.append(result(id));
}

describe('spool', () => {
  it('numbers results from 1 and keeps them in seq order, even appended all at once', async () => {
    const spool = await spoolIn();
    const spooled = await Promise.all(['a', 'b', 'c'].map((id) => spool.append(result(id))));
    expect(spooled.map((r) => [r.seq, r.checkId])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(spool.pending()).toEqual(spooled);
    expect(spool.lastSeq).toBe(3);
  });

  it('has the result synced in its segment before append resolves', async () => {
    const spool = await spoolIn();
    await spool.append(result('a'));
    expect(await segmentFiles()).toEqual(['000000000001.seg']);
    const file = await readFile(path.join(spoolDir(), '000000000001.seg'));
    expect(file.subarray(0, MAGIC.length)).toEqual(MAGIC);
    const scan = scanFrames(file, MAGIC.length);
    expect(scan.damage).toBeUndefined();
    expect(scan.frames.map((f) => [f.seq, JSON.parse(f.payload.toString()) as unknown])).toEqual([
      [1, result('a')],
    ]);
  });

  it('continues the sequence across a reopen and reloads what is unacknowledged', async () => {
    const first = await spoolIn();
    await appendEach(first, ['a', 'b', 'c']);
    first.ack(1);
    await first.close();

    const second = await spoolIn();
    expect(second.pending().map((r) => [r.seq, r.checkId])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect((await second.append(result('d'))).seq).toBe(4);
  });

  it('never reuses a seq, even once every segment was acknowledged and deleted', async () => {
    const first = await spoolIn({ segmentBytes: segmentOf(2) });
    await appendEach(first, ['a', 'b', 'c', 'd', 'e']);
    first.ack(5);
    await first.close();

    const second = await spoolIn({ segmentBytes: segmentOf(2) });
    expect(await segmentFiles()).toEqual([]);
    expect(second.pending()).toEqual([]);
    expect(second.lastSeq).toBe(5);
    expect((await second.append(result('f'))).seq).toBe(6);
    await second.close();
    expect((await spoolIn()).pending().map((r) => [r.seq, r.checkId])).toEqual([[6, 'f']]);
  });

  it('deletes a segment only once every result in it is acknowledged', async () => {
    const spool = await spoolIn({ segmentBytes: segmentOf(3) });
    await appendEach(spool, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    expect(await segmentFiles()).toEqual(['000000000001.seg', '000000000004.seg', '000000000007.seg']);

    spool.ack(5);
    await spool.flushed();
    expect(await segmentFiles()).toEqual(['000000000004.seg', '000000000007.seg']);
    expect(seqs(spool)).toEqual([6, 7, 8, 9]);

    spool.ack(6);
    await spool.flushed();
    expect(await segmentFiles()).toEqual(['000000000007.seg']);
    // the segment being written to stays even when all acknowledged; the next open deletes it
    spool.ack(9);
    await spool.flushed();
    expect(await segmentFiles()).toEqual(['000000000007.seg']);
    expect(seqs(spool)).toEqual([]);
  });

  it('resends nothing acknowledged after a clean close', async () => {
    const first = await spoolIn({ segmentBytes: segmentOf(3) });
    await appendEach(first, ['a', 'b', 'c', 'd', 'e']);
    first.ack(4);
    await first.close();
    expect(seqs(await spoolIn({ segmentBytes: segmentOf(3) }))).toEqual([5]);
  });

  it(`resends fewer than ${ACK_SAVE_EVERY} acknowledged results after a crash`, async () => {
    const first = await spoolIn();
    await Promise.all(Array.from({ length: 2500 }, (_, i) => first.append(result(`c${i % 7}`))));
    first.ack(2400); // moved more than ACK_SAVE_EVERY: saved
    await first.flushed();
    first.ack(2450); // moved 50 since: not saved
    await first.flushed();

    // A crash: the first spool is never closed; a second opens the same files.
    const second = await openSpool({ dir });
    const resent = seqs(second).filter((seq) => seq <= 2450);
    await second.close();
    expect(resent).toEqual(Array.from({ length: 50 }, (_, i) => 2401 + i));
    expect(resent.length).toBeLessThan(ACK_SAVE_EVERY);
  });

  it('ignores an old ack and one beyond the last seq', async () => {
    const spool = await spoolIn();
    await appendEach(spool, ['a', 'b', 'c', 'd']);
    spool.ack(2);
    spool.ack(1);
    expect(seqs(spool)).toEqual([3, 4]);
    expect(spool.pending(3).map((r) => r.seq)).toEqual([4]);
    expect(spool.pending(0, 1).map((r) => r.seq)).toEqual([3]);
    spool.ack(100);
    expect(seqs(spool)).toEqual([]);
    expect((await spool.append(result('e'))).seq).toBe(5);
    expect(seqs(spool)).toEqual([5]);
  });

  it('reads older results from their segments and the newest from memory, in order', async () => {
    // A cache of about 5 results, segments of 4: most of the 30 come from disk.
    const spool = await spoolIn({ segmentBytes: segmentOf(4), cacheBytes: 5 * (FRAME - HEADER_BYTES) });
    const spooled = [];
    for (let i = 1; i <= 30; i++) spooled.push(await spool.append(result(`c${i}`)));
    expect(spool.pending()).toEqual(spooled);
    expect(spool.pending(10, 5)).toEqual(spooled.slice(10, 15));
    expect(spool.pending(22, 100)).toEqual(spooled.slice(22));
    spool.ack(13);
    expect(spool.pending(0, 3)).toEqual(spooled.slice(13, 16));
    expect(spool.pending(29)).toEqual([spooled[29]]);
    expect(spool.pending(30)).toEqual([]);
    expect(spool.pending(0, 0)).toEqual([]);
  });

  it('stops at a segment it cannot read instead of throwing or skipping it', async () => {
    const spool = await spoolIn({ segmentBytes: segmentOf(2), cacheBytes: 0 });
    await appendEach(spool, ['a', 'b', 'c', 'd']);
    await rm(path.join(spoolDir(), '000000000003.seg'));
    expect(spool.pending().map((r) => r.checkId)).toEqual(['a', 'b']);
  });

  it('syncs once for results appended together (group commit)', async () => {
    const spool = await spoolIn();
    const before = spool.stats.syncs;
    const spooled = await Promise.all(Array.from({ length: 1000 }, (_, i) => spool.append(result(`c${i}`))));
    const syncs = spool.stats.syncs - before;
    // one fdatasync for the batch, one fsync of the directory for the new segment file
    expect(syncs).toBeLessThanOrEqual(3);
    expect(spooled.map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

    // appended one after the other, each result has its own sync
    const again = spool.stats.syncs;
    await appendEach(spool, ['a', 'b', 'c']);
    expect(spool.stats.syncs - again).toBe(3);
  });

  it('rejects an append after close and keeps what was appended before', async () => {
    const spool = await spoolIn();
    const last = spool.append(result('a'));
    await spool.close();
    expect((await last).seq).toBe(1);
    await expect(spool.append(result('b'))).rejects.toBeInstanceOf(SpoolError);
    expect(seqs(await spoolIn())).toEqual([1]);
  });

  it('creates its directory when missing', async () => {
    const spool = await openSpool({ dir: path.join(dir, 'a', 'b') });
    open.push(spool);
    expect((await spool.append(result('x'))).seq).toBe(1);
  });

  it('refuses a damaged state file rather than risk reusing seqs', async () => {
    const first = await spoolIn();
    await first.append(result('a'));
    await first.close();
    await writeFile(path.join(spoolDir(), 'state.json'), '{"lastSeq":');
    await expect(openSpool({ dir })).rejects.toThrow(/state file .* is unreadable/);
  });

  it('moves an old spool.jsonl into segments, keeping its seqs', async () => {
    const old = (seq: number, id: string) => JSON.stringify({ seq, ...result(id) });
    const lines = [old(1, 'a'), old(2, 'b'), '{"ack":1}', old(3, 'c'), '{"seq":4,"checkId":"d","ou'];
    await writeFile(path.join(dir, 'spool.jsonl'), lines.join('\n'));

    const spool = await spoolIn();
    expect(spool.pending().map((r) => [r.seq, r.checkId])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(spool.pending()[0]).toEqual({ seq: 2, ...result('b') });
    expect(await readdir(dir)).toEqual(['spool']);
    expect((await spool.append(result('e'))).seq).toBe(4);
  });
});

describe('spool after a torn write', () => {
  /** Three results on disk, then `damage` done to the segment file; returns its size before. */
  async function damaged(damage: (file: string, size: number) => Promise<void>): Promise<string> {
    const first = await spoolIn();
    await appendEach(first, ['a', 'b', 'c']);
    await first.close();
    const file = path.join(spoolDir(), '000000000001.seg');
    await damage(file, (await stat(file)).size);
    return file;
  }

  const cases: { why: string; damage: (file: string, size: number) => Promise<void>; kept: string[] }[] = [
    {
      why: 'the last record cut in the middle of its payload',
      damage: (file, size) => truncate(file, size - 10),
      kept: ['a', 'b'],
    },
    {
      why: 'the last record cut in the middle of its header',
      damage: (file, size) => truncate(file, size - FRAME + 7),
      kept: ['a', 'b'],
    },
    {
      why: 'garbage after the last record',
      damage: (file) => appendFile(file, 'garbage that is no record'),
      kept: ['a', 'b', 'c'],
    },
    {
      why: 'zeros after the last record (blocks allocated, data lost)',
      damage: (file) => appendFile(file, Buffer.alloc(4096)),
      kept: ['a', 'b', 'c'],
    },
    {
      why: 'a flipped byte in the last record',
      damage: async (file, size) => {
        const bytes = await readFile(file);
        bytes.writeUInt8(bytes.readUInt8(size - 5) ^ 0x20, size - 5);
        await writeFile(file, bytes);
      },
      kept: ['a', 'b'],
    },
  ];

  it.each(cases)('skips $why, cuts the file there and appends after it', async ({ damage, kept }) => {
    const file = await damaged(damage);
    const goodBytes = MAGIC.length + kept.length * FRAME;

    const second = await spoolIn();
    expect(second.pending().map((r) => r.checkId)).toEqual(kept);
    expect((await stat(file)).size).toBe(goodBytes);
    // seq 3 was confirmed (and recorded by the clean close) before the damage: never reused
    expect((await second.append(result('d'))).seq).toBe(4);
    await second.close();

    const third = await spoolIn();
    const expected = [...kept.map((id, i) => [i + 1, id]), [4, 'd']];
    expect(third.pending().map((r) => [r.seq, r.checkId])).toEqual(expected);
  });

  it('reuses no seq a crash left in a torn record, and loses none confirmed before it', async () => {
    const first = await spoolIn();
    await appendEach(first, ['a', 'b', 'c']);
    // A crash mid-write of seq 3: no close, so the state file never heard of it.
    const file = path.join(spoolDir(), '000000000001.seg');
    await truncate(file, (await stat(file)).size - 10);
    const second = await openSpool({ dir });
    expect(second.pending().map((r) => [r.seq, r.checkId])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    // seq 3 was never confirmed in this story, so it is free: the seqs stay contiguous
    expect((await second.append(result('d'))).seq).toBe(3);
    await second.close();
  });

  it('deletes a segment file torn before its first record', async () => {
    const first = await spoolIn();
    await first.append(result('a'));
    await first.close();
    await writeFile(path.join(spoolDir(), '000000000002.seg'), MAGIC.subarray(0, 3));
    const second = await spoolIn();
    expect(await segmentFiles()).toEqual(['000000000001.seg']);
    expect((await second.append(result('b'))).seq).toBe(2);
  });
});
