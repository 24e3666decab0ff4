import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@portwarden/common/logger';
import type { SyncCounter } from './disk.js';
import { KIND_GAP, MAGIC, scanFrames, type Frame } from './frame.js';
import { partKey, type GapPart } from './gaps.js';
import { SEGMENT_FILE, Segment, indexFrames, segmentName } from './segment.js';
import { readState, type SpoolState } from './state.js';

export interface Loaded {
  state: SpoolState;
  /** In seq order, torn tails cut off. */
  segments: Segment[];
  /** The highest seq on disk or in the state file: the next result gets the one after. */
  lastSeq: number;
  /** The last outcome of each check, as of `lastSeq`. */
  outcomes: Map<string, 'up' | 'down'>;
  /** Gap parts the controller has not acknowledged, from the state file and the segments. */
  parts: Map<string, GapPart>;
  lastGap: number;
}

/** Reads the state file and every segment, cutting each segment after its last good record. */
export async function loadSpool(dir: string, log: Logger, counter: SyncCounter): Promise<Loaded> {
  const names = await readdir(dir);
  // A temp file is a write that never got renamed: what it held is still in the file it replaces.
  await Promise.all(
    names.filter((n) => n.endsWith('.tmp')).map((n) => rm(path.join(dir, n), { force: true })),
  );
  const state = await readState(dir);
  const outcomes = new Map(Object.entries(state.outcomes));
  const parts = new Map(state.parts.filter((p) => p.gap > state.gapsAcked).map((p) => [partKey(p), p]));
  const segments: Segment[] = [];
  let lastSeq = 0;
  for (const id of segmentIds(names, log)) {
    const read = await readSegment(dir, id, log, counter);
    if (!read) continue;
    // Seqs only grow from one segment to the next; a repeat is a copy and the first one stands.
    const fresh = read.frames.filter((f) => f.kind === KIND_GAP || f.seq > lastSeq);
    if (fresh.length < read.frames.length)
      log.warn({ file: segmentName(id) }, 'skipped repeated spool records');
    const segment = indexFrames(Segment.at(dir, id), fresh, read.fileBytes);
    for (const frame of fresh) {
      if (frame.kind === KIND_GAP) continue;
      lastSeq = frame.seq;
      if (frame.seq > state.lastSeq) {
        const { checkId, outcome } = JSON.parse(frame.payload.toString('utf8')) as {
          checkId: string;
          outcome: 'up' | 'down';
        };
        outcomes.set(checkId, outcome);
      }
    }
    for (const part of segment.parts.values()) if (part.gap > state.gapsAcked) parts.set(partKey(part), part);
    segments.push(segment);
  }
  const lastGap = Math.max(state.lastGap, state.gapsAcked, ...[...parts.values()].map((p) => p.gap));
  return {
    state,
    segments,
    lastSeq: Math.max(lastSeq, state.lastSeq, state.acked),
    outcomes,
    parts,
    lastGap,
  };
}

function segmentIds(names: string[], log: Logger): number[] {
  const ids: number[] = [];
  for (const name of names) {
    const id = Number(SEGMENT_FILE.exec(name)?.[1] ?? NaN);
    if (Number.isSafeInteger(id) && segmentName(id) === name) ids.push(id);
    else if (name.endsWith('.seg')) log.warn({ file: name }, 'ignored a file that is not a spool segment');
  }
  return ids.sort((a, b) => a - b);
}

/**
 * A segment's good frames. A torn or damaged record ends the segment: the file is cut back to the
 * last good record (never fatal), so the next writer never follows a partial one. Only a crash
 * mid-append tears a record, and such a record was never confirmed, so nothing confirmed is lost.
 */
async function readSegment(
  dir: string,
  id: number,
  log: Logger,
  counter: SyncCounter,
): Promise<{ frames: Frame[]; fileBytes: number } | undefined> {
  const file = path.join(dir, segmentName(id));
  const buffer = await readFile(file);
  if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (isTornCreation(buffer)) {
      await rm(file, { force: true });
      return undefined;
    }
    log.error({ file }, 'a spool segment does not start as one; renamed to .damaged and skipped');
    await rename(file, `${file}.damaged`);
    return undefined;
  }
  const scan = scanFrames(buffer, MAGIC.length);
  if (scan.damage !== undefined) {
    log.warn(
      { file, damage: scan.damage, cutBytes: buffer.length - scan.goodBytes, records: scan.frames.length },
      'spool segment ends in a torn or damaged record; cut after the last good one',
    );
    const handle = await open(file, 'r+');
    try {
      await handle.truncate(scan.goodBytes);
      counter.syncs++;
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  return { frames: scan.frames, fileBytes: scan.goodBytes };
}

/** Created but never (fully) written: shorter than the magic, or zeros from a lost write. */
function isTornCreation(buffer: Buffer): boolean {
  if (buffer.length < MAGIC.length) return MAGIC.subarray(0, buffer.length).equals(buffer);
  return buffer.every((byte) => byte === 0);
}
