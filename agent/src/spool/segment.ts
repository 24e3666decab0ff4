import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { FLAG_CHANGE, KIND_GAP, MAGIC, readFrame, type Frame } from './frame.js';
import { parseNote, type GapPart } from './gaps.js';
import type { SpooledResult } from './record.js';

/** `000000000001.seg`: the id is the seq of the first result written to the segment. */
export const segmentName = (id: number) => `${String(id).padStart(12, '0')}.seg`;
export const SEGMENT_FILE = /^(\d{12,})\.seg$/;

/**
 * What the spool keeps in memory of one segment file: where each result is (17 bytes per
 * result, in typed arrays), not the results themselves. Results are in seq order.
 */
export class Segment {
  count = 0;
  /** Bytes of result frames; the magic and gap notes are not counted against the bound. */
  recordBytes = 0;
  /** The file's size: where the next frame goes. */
  fileBytes = 0;
  seqs = new Float64Array(64);
  offsets = new Uint32Array(64);
  sizes = new Uint32Array(64);
  flags = new Uint8Array(64);
  /** Gap notes stored in this file, keyed by gap id. */
  parts = new Map<number, GapPart>();

  constructor(
    readonly id: number,
    readonly file: string,
  ) {}

  static at(dir: string, id: number): Segment {
    return new Segment(id, path.join(dir, segmentName(id)));
  }

  get firstSeq(): number | undefined {
    return this.count > 0 ? this.seqs[0] : undefined;
  }

  get lastSeq(): number | undefined {
    return this.count > 0 ? this.seqs[this.count - 1] : undefined;
  }

  push(seq: number, offset: number, size: number, flags: number): void {
    if (this.count === this.seqs.length) this.grow();
    this.seqs[this.count] = seq;
    this.offsets[this.count] = offset;
    this.sizes[this.count] = size;
    this.flags[this.count] = flags;
    this.count++;
    this.recordBytes += size;
  }

  isChange(i: number): boolean {
    return (this.flags[i]! & FLAG_CHANGE) !== 0;
  }

  /** Index of the first result with a seq above `seq`. */
  indexAfter(seq: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqs[mid]! <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Reads results `from` (an index) up to, not including, `to`, in one synchronous read. */
  readResults(from: number, to: number): SpooledResult[] {
    if (from >= to) return [];
    const start = this.offsets[from]!;
    const end = this.offsets[to - 1]! + this.sizes[to - 1]!;
    const buffer = Buffer.alloc(end - start);
    const fd = openSync(this.file, 'r');
    try {
      for (let done = 0; done < buffer.length;) {
        const read = readSync(fd, buffer, done, buffer.length - done, start + done);
        if (read === 0) throw new Error(`${this.file} is shorter than its index`);
        done += read;
      }
    } finally {
      closeSync(fd);
    }
    const results: SpooledResult[] = [];
    for (let i = from; i < to; i++) {
      const frame = readFrame(buffer, this.offsets[i]! - start);
      if (frame.seq !== this.seqs[i] || frame.bytes !== this.sizes[i])
        throw new Error(`${this.file} changed under its index at byte ${this.offsets[i]}`);
      results.push(toResult(frame));
    }
    return results;
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T) => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.seqs = grown(this.seqs, (n) => new Float64Array(n));
    this.offsets = grown(this.offsets, (n) => new Uint32Array(n));
    this.sizes = grown(this.sizes, (n) => new Uint32Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
  }
}

/** Builds a segment's index from the frames of its file (as scanned, or as written). */
export function indexFrames(segment: Segment, frames: readonly Frame[], fileBytes: number): Segment {
  for (const frame of frames) {
    if (frame.kind === KIND_GAP) {
      const note = parseNote(JSON.parse(frame.payload.toString('utf8')));
      if (note) segment.parts.set(frame.seq, { gap: frame.seq, seg: segment.id, ...note });
    } else segment.push(frame.seq, frame.offset, frame.bytes, frame.flags);
  }
  segment.fileBytes = Math.max(fileBytes, MAGIC.length);
  return segment;
}

export function toResult(frame: Frame): SpooledResult {
  return { ...(JSON.parse(frame.payload.toString('utf8')) as Omit<SpooledResult, 'seq'>), seq: frame.seq };
}
