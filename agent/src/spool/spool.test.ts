import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpool, type ResultRecord, type Spool } from './spool.js';

let dir: string;
const open: Spool[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function spoolIn(directory = dir, compactAfter?: number): Promise<Spool> {
  const spool = await openSpool({ dir: directory, ...(compactAfter !== undefined && { compactAfter }) });
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

const seqs = (spool: Spool) => spool.pending().map((r) => r.seq);

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

  it('continues the sequence across a reopen and reloads what is unacknowledged', async () => {
    const first = await spoolIn();
    for (const id of ['a', 'b', 'c']) await first.append(result(id));
    first.ack(1);
    await first.close();

    const second = await spoolIn();
    expect(second.pending().map((r) => [r.seq, r.checkId])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect((await second.append(result('d'))).seq).toBe(4);
  });

  it('never reuses a seq, even once everything was acknowledged', async () => {
    const first = await spoolIn();
    await first.append(result('a'));
    await first.append(result('b'));
    first.ack(2);
    await first.close();
    const second = await spoolIn();
    expect(second.pending()).toEqual([]);
    expect(second.lastSeq).toBe(2);
    expect((await second.append(result('c'))).seq).toBe(3);
  });

  it('forgets acknowledged results and ignores an old ack', async () => {
    const spool = await spoolIn();
    for (const id of ['a', 'b', 'c', 'd']) await spool.append(result(id));
    spool.ack(2);
    expect(seqs(spool)).toEqual([3, 4]);
    spool.ack(1);
    expect(seqs(spool)).toEqual([3, 4]);
    expect(spool.pending(3).map((r) => r.seq)).toEqual([4]);
    expect(spool.pending(0, 1).map((r) => r.seq)).toEqual([3]);
  });

  it('skips a torn last line left by a crash mid-write, and appends cleanly after it', async () => {
    const first = await spoolIn();
    await first.append(result('a'));
    await first.append(result('b'));
    await first.close();
    await appendFile(path.join(dir, 'spool.jsonl'), '{"seq":3,"checkId":"c","outc');

    const second = await spoolIn();
    expect(seqs(second)).toEqual([1, 2]);
    expect((await second.append(result('d'))).seq).toBe(3);
    await second.close();
    const third = await spoolIn();
    expect(third.pending().map((r) => r.checkId)).toEqual(['a', 'b', 'd']);
  });

  it('has the result on disk before append resolves', async () => {
    const spool = await spoolIn();
    await spool.append(result('a'));
    const text = await readFile(path.join(dir, 'spool.jsonl'), 'utf8');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toContainEqual(expect.objectContaining({ seq: 1, checkId: 'a', reason: 'refused' }));
  });

  it('compacts the file once acknowledged lines dominate', async () => {
    const spool = await spoolIn(dir, 10);
    for (let i = 0; i < 30; i++) await spool.append(result(`c${i}`));
    const file = path.join(dir, 'spool.jsonl');
    const full = (await stat(file)).size;
    spool.ack(28);
    await spool.append(result('last'));
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect((await stat(file)).size).toBeLessThan(full / 5);
    expect(lines.map((l) => JSON.parse(l) as { seq?: number; ack?: number })).toEqual([
      { ack: 28 },
      expect.objectContaining({ seq: 29 }),
      expect.objectContaining({ seq: 30 }),
      expect.objectContaining({ seq: 31 }),
    ]);
  });

  it('creates its directory when missing', async () => {
    const nested = path.join(dir, 'a', 'b');
    const spool = await spoolIn(nested);
    expect((await spool.append(result('x'))).seq).toBe(1);
  });
});
