import { KIND_GAP, KIND_RESULT, MAGIC, encodeFrame, scanFrames, type Frame } from './frame.js';
import { countDrops, note, type GapPart } from './gaps.js';

/** What eviction needs to know of a record on disk. */
export interface Candidate {
  seq: number;
  /** Its size on disk, header included. */
  bytes: number;
  /** A state change: see `isStateChange`. */
  change: boolean;
}

/**
 * A result is a state change when its outcome differs from the previous result of the same check
 * (a failure after a success, a recovery), or when the spool knows no previous result of that
 * check (a check's first result sets its state). Every other result is periodic: it repeats what
 * the controller already knows.
 */
export function isStateChange(previous: 'up' | 'down' | undefined, outcome: 'up' | 'down'): boolean {
  return previous !== outcome;
}

/**
 * Chooses the records to drop to free at least `need` bytes, in this order:
 *
 * 1. acknowledged results, oldest first: the controller has them, so they cost nothing;
 * 2. periodic results, oldest first;
 * 3. state changes, oldest first, once no periodic result is left.
 *
 * `candidates` yields the records in seq order each time it is called; it leaves out what must
 * never go (the spool keeps its newest result). Only the prefix needed is read. Returns the chosen
 * records, in the order chosen.
 */
export function chooseDrops<C extends Candidate>(
  candidates: () => Iterable<C>,
  acked: number,
  need: number,
): C[] {
  const chosen: C[] = [];
  let freed = 0;
  const sweep = (take: (c: C) => boolean, stop: (c: C) => boolean = () => false) => {
    for (const candidate of candidates()) {
      if (freed >= need || stop(candidate)) return;
      if (!take(candidate)) continue;
      chosen.push(candidate);
      freed += candidate.bytes;
    }
  };
  sweep(
    () => true,
    (c) => c.seq > acked,
  );
  sweep((c) => c.seq > acked && !c.change);
  sweep((c) => c.seq > acked && c.change);
  return chosen;
}

/**
 * A segment file's bytes without the dropped results, and with a gap note counting those that
 * were not acknowledged (the `part`, when there are any and `gap` is set). Notes the controller
 * has acknowledged (`gapsAcked`) are left out; other frames are copied byte for byte.
 */
export function withoutDrops(
  file: Buffer,
  seg: number,
  drops: ReadonlySet<number>,
  at: { acked: number; gapsAcked: number; gap: number },
): { data: Buffer; part?: GapPart } {
  const scan = scanFrames(file, MAGIC.length);
  if (scan.damage !== undefined) throw new Error(`segment ${seg} changed on disk: ${scan.damage}`);
  const raw = (f: Frame) => file.subarray(f.offset, f.offset + f.bytes);
  const results = scan.frames.filter((f) => f.kind === KIND_RESULT);
  const counted = results
    .filter((f) => drops.has(f.seq) && f.seq > at.acked)
    .map((f) => ({
      seq: f.seq,
      checkId: (JSON.parse(f.payload.toString('utf8')) as { checkId: string }).checkId,
    }));
  const part = at.gap > 0 && counted.length > 0 ? { gap: at.gap, seg, ...countDrops(counted) } : undefined;
  const data = Buffer.concat([
    MAGIC,
    ...scan.frames.filter((f) => f.kind === KIND_GAP && f.seq > at.gapsAcked).map(raw),
    ...(part ? [encodeFrame(KIND_GAP, 0, at.gap, Buffer.from(JSON.stringify(note(part))))] : []),
    ...results.filter((f) => !drops.has(f.seq)).map(raw),
  ]);
  return part ? { data, part } : { data };
}
