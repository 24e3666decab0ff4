import { renameSync } from 'node:fs';
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import { syncData, syncDirectory, writeAll, writeTemp, type SyncCounter } from './disk.js';
import { SpoolError } from './errors.js';
import { chooseDrops, isStateChange, withoutDrops, type Candidate } from './evict.js';
import { FLAG_CHANGE, KIND_RESULT, MAGIC, MAX_PAYLOAD_BYTES, encodeFrame, scanFrames } from './frame.js';
import { partKey, reportsFrom, type GapPart, type GapReport } from './gaps.js';
import { spoolSettings, type Settings, type SpoolOptions } from './options.js';
import { migrateLegacy } from './legacy.js';
import { loadSpool, type Loaded } from './load.js';
import type { ResultRecord, SpooledResult } from './record.js';
import { Segment, indexFrames } from './segment.js';
import { writeState } from './state.js';
import { Tail } from './tail.js';

export type { GapReport } from './gaps.js';
export type { SpoolOptions } from './options.js';
export type { ResultRecord, SpooledResult } from './record.js';

export interface SpoolStats {
  /** fsync and fdatasync calls so far. */
  syncs: number;
  segments: number;
  /** Bytes of results on disk, acknowledged ones not yet deleted included: what `maxBytes` bounds. */
  bytes: number;
}

export interface Spool {
  /**
   * Numbers the result and resolves once it is on disk (fdatasync); only then may it be sent.
   * Results appended together share one sync.
   */
  append(result: ResultRecord): Promise<SpooledResult>;
  /** Results on disk and not yet acknowledged, in seq order: those after `afterSeq`, at most `limit`. */
  pending(afterSeq?: number, limit?: number): SpooledResult[];
  /** Forgets every result up to and including `upToSeq`; segments holding only those are deleted. */
  ack(upToSeq: number): void;
  /** The highest seq confirmed so far; 0 for a new agent. */
  readonly lastSeq: number;
  /** Results dropped because the spool was full, one report per eviction pass, until acknowledged. */
  gaps(): GapReport[];
  /** The controller has recorded every gap report up to and including this id. */
  ackGaps(upToId: number): void;
  /** Resolves once everything asked of the spool so far (appends, acks, deletions) is done. */
  flushed(): Promise<void>;
  readonly stats: SpoolStats;
  close(): Promise<void>;
}

/** A crash resends fewer than this many acknowledged results: see `ack`. */
export const ACK_SAVE_EVERY = 1000;

/**
 * Opens the spool in `<dir>/spool`: segment files of framed, checksummed results (see frame.ts)
 * and `state.json`. A torn last record is cut off; an old `spool.jsonl` is moved in first.
 */
export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const settings = spoolSettings(options);
  const dir = path.join(options.dir, 'spool');
  const log = options.logger ?? silentLogger();
  const counter: SyncCounter = { syncs: 0 };
  await mkdir(dir, { recursive: true });
  await migrateLegacy(options.dir, dir, log, counter);
  const spool = new FileSpool(dir, settings, log, counter, await loadSpool(dir, log, counter));
  await spool.removeDone();
  log.info({ dir, lastSeq: spool.lastSeq, pending: spool.pendingCount(), ...spool.stats }, 'spool opened');
  return spool;
}

interface QueuedAppend {
  result: ResultRecord;
  payload: Buffer;
  resolve(result: SpooledResult): void;
  reject(err: Error): void;
}

interface Active {
  segment: Segment;
  handle: FileHandle;
  /** Nothing written yet, not even the magic. */
  fresh: boolean;
}

type DropCandidate = Candidate & { segment: Segment };

/**
 * Every change to the disk runs as one job of a single queue, so file order is seq order and the
 * appends that arrive while a sync runs are written and synced together next (group commit).
 */
class FileSpool implements Spool {
  private segments: Segment[];
  private active: Active | undefined;
  /** The highest seq confirmed, and the highest ever written (above it only after a failed write). */
  private confirmed: number;
  private issued: number;
  private acked: number;
  private savedAcked: number;
  private outcomes: Map<string, 'up' | 'down'>;
  private parts: Map<string, GapPart>;
  private lastGap: number;
  private gapsAcked: number;
  /** The gap whose eviction pass is rewriting segments right now: not reported until it is whole. */
  private evicting = 0;
  private tail: Tail;
  private appends: QueuedAppend[] = [];
  private queued = new Set<string>();
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly counter: SyncCounter,
    loaded: Loaded,
  ) {
    this.segments = loaded.segments;
    this.confirmed = this.issued = loaded.lastSeq;
    this.acked = this.savedAcked = loaded.state.acked;
    this.outcomes = loaded.outcomes;
    this.parts = loaded.parts;
    this.lastGap = loaded.lastGap;
    this.gapsAcked = loaded.state.gapsAcked;
    this.tail = new Tail(settings.cacheBytes, loaded.lastSeq + 1);
  }

  get lastSeq(): number {
    return this.confirmed;
  }

  get stats(): SpoolStats {
    const bytes = this.segments.reduce((sum, s) => sum + s.recordBytes, 0);
    return { syncs: this.counter.syncs, segments: this.segments.length, bytes };
  }

  pendingCount(): number {
    return this.segments.reduce((sum, s) => sum + s.count - s.indexAfter(this.acked), 0);
  }

  append(result: ResultRecord): Promise<SpooledResult> {
    if (this.closed) return Promise.reject(new SpoolError('the spool is closed'));
    const payload = Buffer.from(JSON.stringify(result), 'utf8');
    if (payload.length > MAX_PAYLOAD_BYTES)
      return Promise.reject(new SpoolError(`a result of ${payload.length} bytes is too large to spool`));
    return new Promise((resolve, reject) => {
      this.appends.push({ result, payload, resolve, reject });
      this.once('commit', () => this.commit(this.appends.splice(0)));
    });
  }

  pending(afterSeq = 0, limit = Infinity): SpooledResult[] {
    const from = Math.max(afterSeq, this.acked);
    const out: SpooledResult[] = [];
    const cached = this.tail.firstSeq;
    for (const segment of this.segments) {
      if (from + 1 >= cached || out.length >= limit) break;
      if (segment.count === 0 || segment.lastSeq! <= from) continue;
      const start = segment.indexAfter(from);
      const end = Math.min(segment.indexAfter(cached - 1), start + (limit - out.length));
      try {
        for (const result of segment.readResults(start, end)) out.push(result);
      } catch (err) {
        // Stop here rather than skip: what follows waits until this reads again (or a restart
        // cuts the segment at the damage), and nothing is sent out of order.
        this.log.error({ err, file: segment.file }, 'cannot read spooled results');
        return out;
      }
      if (segment.lastSeq! >= cached) break;
    }
    const after = Math.max(from, out.at(-1)?.seq ?? 0);
    for (const result of this.tail.after(after, limit - out.length)) out.push(result);
    return out;
  }

  /**
   * Deleting a segment first saves the acked position (and the seq high-water mark) in
   * state.json. Between deletions the position is saved once it has moved ACK_SAVE_EVERY seqs,
   * so a crash resends fewer than ACK_SAVE_EVERY acknowledged results; a clean close resends none.
   */
  ack(upToSeq: number): void {
    const upTo = Math.min(upToSeq, this.confirmed);
    if (this.closed || upTo <= this.acked) return;
    this.acked = upTo;
    this.tail.dropUpTo(upTo);
    if (this.doneSegments().length > 0) this.once('remove', () => this.removeDone());
    else if (upTo - this.savedAcked >= ACK_SAVE_EVERY) this.once('save', () => this.save());
  }

  gaps(): GapReport[] {
    return reportsFrom(this.parts.values()).filter((gap) => gap.id !== this.evicting);
  }

  ackGaps(upToId: number): void {
    const upTo = Math.min(upToId, this.lastGap);
    if (this.closed || upTo <= this.gapsAcked) return;
    this.gapsAcked = upTo;
    for (const [key, part] of this.parts) if (part.gap <= upTo) this.parts.delete(key);
    this.once('save', () => this.save());
  }

  flushed(): Promise<void> {
    return this.work;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.enqueue('close', async () => {
        await this.seal();
        await this.removeDone();
        await this.save();
      });
    }
    await this.work;
  }

  /** Runs `job` after everything queued so far, unless a job of that name is already waiting. */
  private once(name: string, job: () => Promise<void>): void {
    if (this.queued.has(name)) return;
    this.queued.add(name);
    this.enqueue(name, () => {
      this.queued.delete(name);
      return job();
    });
  }

  private enqueue(name: string, job: () => Promise<void>): void {
    this.work = this.work
      .then(job)
      .catch((err: unknown) => this.log.error({ err, job: name }, 'spool write failed'));
  }

  private async commit(batch: QueuedAppend[]): Promise<void> {
    const first = this.issued + 1;
    const outcomes = new Map<string, 'up' | 'down'>();
    const frames = batch.map(({ result, payload }, i) => {
      const change = isStateChange(
        outcomes.get(result.checkId) ?? this.outcomes.get(result.checkId),
        result.outcome,
      );
      outcomes.set(result.checkId, result.outcome);
      return encodeFrame(KIND_RESULT, change ? FLAG_CHANGE : 0, first + i, payload);
    });
    try {
      await this.write(frames, first);
    } catch (err) {
      for (const item of batch) item.reject(err as Error);
      throw err;
    }
    this.confirmed = this.issued = first + batch.length - 1;
    for (const [checkId, outcome] of outcomes) this.outcomes.set(checkId, outcome);
    batch.forEach(({ result, payload, resolve }, i) => {
      const spooled: SpooledResult = { ...result, seq: first + i };
      this.tail.push(spooled, payload.length);
      resolve(spooled);
    });
    await this.evictIfFull();
  }

  /** Appends the frames to the active segment, rolling to a new one first if it is full, and syncs. */
  private async write(frames: Buffer[], first: number): Promise<void> {
    const bytes = frames.reduce((sum, f) => sum + f.length, 0);
    const current = this.active?.segment;
    if (current && current.count > 0 && current.fileBytes + bytes > this.settings.segmentBytes) {
      await this.seal();
      // Once per segment: keeps the high-water mark and the outcomes a segment old at most, so
      // opening the spool replays at most one segment's outcomes.
      await this.save();
    }
    const active = this.active ?? (this.active = await this.create(first));
    const at = active.fresh ? 0 : active.segment.fileBytes;
    const data = Buffer.concat(active.fresh ? [MAGIC, ...frames] : frames);
    try {
      await writeAll(active.handle, data, at);
      await syncData(active.handle, this.counter);
      if (active.fresh) await syncDirectory(this.dir, this.counter);
    } catch (err) {
      await this.rollback(active, at, first + frames.length - 1);
      throw err;
    }
    active.fresh = false;
    let offset = at + data.length - bytes;
    frames.forEach((frame, i) => {
      active.segment.push(first + i, offset, frame.length, frame.readUInt8(9));
      offset += frame.length;
    });
    active.segment.fileBytes = offset;
  }

  /** After a failed write: cut the file back, or if even that fails, never use those seqs again. */
  private async rollback(active: Active, at: number, lastTried: number): Promise<void> {
    try {
      await active.handle.truncate(at);
    } catch (err) {
      this.log.error(
        { err, file: active.segment.file },
        'cannot cut back a failed spool write; starting a new segment',
      );
      this.issued = lastTried;
      await this.seal().catch(() => undefined);
    }
  }

  private async create(firstSeq: number): Promise<Active> {
    const segment = Segment.at(this.dir, firstSeq);
    const handle = await open(segment.file, 'wx');
    this.segments.push(segment);
    return { segment, handle, fresh: true };
  }

  /** Closes the active segment; the next append starts a new one. */
  private async seal(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.handle.close();
  }

  /** Sealed segments with nothing left to send (all acknowledged, or all dropped). */
  private doneSegments(): Segment[] {
    return this.segments.filter(
      (s) => s !== this.active?.segment && (s.count === 0 || s.lastSeq! <= this.acked),
    );
  }

  /** Deletes the done segments, after saving what must outlive them (seq, acked, gap parts). */
  async removeDone(): Promise<void> {
    const done = this.doneSegments();
    if (done.length === 0) return;
    await this.save();
    // Out of the index first, so pending() never reads a file that is going away.
    this.segments = this.segments.filter((s) => !done.includes(s));
    for (const segment of done) await rm(segment.file, { force: true });
  }

  private async save(): Promise<void> {
    const state = {
      lastSeq: this.confirmed,
      acked: this.acked,
      lastGap: this.lastGap,
      gapsAcked: this.gapsAcked,
      parts: [...this.parts.values()],
      outcomes: Object.fromEntries(this.outcomes),
    };
    await writeState(this.dir, state, this.counter);
    this.savedAcked = state.acked;
  }

  /** Over the bound: drop what `chooseDrops` picks, rewriting the segments that held it. */
  private async evictIfFull(): Promise<void> {
    const bytes = this.stats.bytes;
    if (bytes <= this.settings.maxBytes) return;
    const need = bytes - (this.settings.maxBytes - this.settings.headroomBytes);
    await this.seal();
    const chosen = chooseDrops(() => this.candidates(), this.acked, need);
    if (chosen.length === 0) return; // only the newest result is left: it stays, over the bound
    const bySegment = new Map<Segment, Set<number>>();
    for (const { seq, segment } of chosen)
      bySegment.set(segment, (bySegment.get(segment) ?? new Set()).add(seq));
    const gap = chosen.some((c) => c.seq > this.acked) ? ++this.lastGap : 0;
    // A pass rewrites one segment at a time; a report sent halfway would be recorded short.
    this.evicting = gap;
    try {
      for (const [segment, seqs] of bySegment) await this.rewrite(segment, seqs, gap);
    } finally {
      this.evicting = 0;
    }
    await syncDirectory(this.dir, this.counter);
    const counted = chosen.filter((c) => c.seq > this.acked).length;
    this.log.warn(
      { gap, dropped: counted, freedRecords: chosen.length, bytes, maxBytes: this.settings.maxBytes },
      'spool full: dropped the oldest results',
    );
    await this.removeDone();
  }

  /** Every result on disk in seq order, except the newest: it always stays. */
  private *candidates(): Generator<DropCandidate> {
    for (const segment of this.segments)
      for (let i = 0; i < segment.count; i++) {
        const seq = segment.seqs[i]!;
        if (seq !== this.confirmed)
          yield { seq, bytes: segment.sizes[i]!, change: segment.isChange(i), segment };
      }
  }

  /**
   * Rewrites a segment without the dropped results and with a note counting them, then swaps
   * it in with one rename: the drop and its count reach the disk together or not at all.
   */
  private async rewrite(segment: Segment, drops: ReadonlySet<number>, gap: number): Promise<void> {
    const { acked, gapsAcked } = this;
    const { data, part } = withoutDrops(await readFile(segment.file), segment.id, drops, {
      acked,
      gapsAcked,
      gap,
    });
    const replacement = indexFrames(
      new Segment(segment.id, segment.file),
      scanFrames(data, MAGIC.length).frames,
      data.length,
    );
    const temp = await writeTemp(segment.file, data, this.counter);
    // The rename and the swap of the index happen in one step, so pending() never reads the new
    // file through the old index.
    renameSync(temp, segment.file);
    this.segments[this.segments.indexOf(segment)] = replacement;
    if (part) this.parts.set(partKey(part), part);
    this.tail.remove(drops);
  }
}
