import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory, writeTemp, type SyncCounter } from './disk.js';
import { SpoolError } from './errors.js';
import { isCount, parseNote, type GapPart } from './gaps.js';

/**
 * `spool/state.json`: what must outlive the segments. Written whole (temp file, fsync, rename,
 * directory fsync), so it is always one complete version; never torn.
 */
export interface SpoolState {
  /** The highest seq ever confirmed: new seqs start above it even when no segment is left. */
  lastSeq: number;
  /** Results up to here are acknowledged; a segment is deleted only once this covers it. */
  acked: number;
  /** The highest gap id handed out, and the highest one the controller acknowledged. */
  lastGap: number;
  gapsAcked: number;
  /** Gap parts of deleted segments (and possibly copies of live ones; merged by key on load). */
  parts: GapPart[];
  /** The last outcome of each check, as of `lastSeq`: tells a state change from a periodic result. */
  outcomes: Record<string, 'up' | 'down'>;
}

export const STATE_FILE = 'state.json';
const VERSION = 1;

export const emptyState = (): SpoolState => ({
  lastSeq: 0,
  acked: 0,
  lastGap: 0,
  gapsAcked: 0,
  parts: [],
  outcomes: {},
});

export async function writeState(dir: string, state: SpoolState, counter: SyncCounter): Promise<void> {
  const file = path.join(dir, STATE_FILE);
  const temp = await writeTemp(file, Buffer.from(JSON.stringify({ version: VERSION, ...state })), counter);
  await rename(temp, file);
  await syncDirectory(dir, counter);
}

/** The state on disk, or an empty one for a new spool. A damaged file stops the spool: see below. */
export async function readState(dir: string): Promise<SpoolState> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const state = parseState(value);
  // Guessing here could reuse seqs, and the controller would then ignore new results as
  // duplicates: better to stop and say so than to lose results silently.
  if (typeof state === 'string')
    throw new SpoolError(
      `the spool state file ${file} is unreadable: ${state}`,
      `move it away to start over; sequence numbers then restart after the highest one left in ${dir}, ` +
        'and the controller ignores results whose numbers it has already seen',
    );
  return state;
}

function parseState(value: unknown): SpoolState | string {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.version === 'number' && v.version > VERSION)
    return `written by a newer agent (version ${v.version})`;
  for (const key of ['lastSeq', 'acked', 'lastGap', 'gapsAcked'] as const)
    if (!isCount(v[key])) return `${key} is not a count`;
  if (!Array.isArray(v.parts)) return 'parts is not a list';
  const parts: GapPart[] = [];
  for (const part of v.parts as unknown[]) {
    const p = part as Record<string, unknown>;
    const note = parseNote(part);
    if (!note || !isCount(p.gap) || !isCount(p.seg)) return 'a gap part is malformed';
    parts.push({ gap: p.gap, seg: p.seg, ...note });
  }
  const outcomes = v.outcomes;
  if (typeof outcomes !== 'object' || outcomes === null) return 'outcomes is not an object';
  if (!Object.values(outcomes).every((o) => o === 'up' || o === 'down'))
    return 'an outcome is not up or down';
  return {
    lastSeq: v.lastSeq as number,
    acked: v.acked as number,
    lastGap: v.lastGap as number,
    gapsAcked: v.gapsAcked as number,
    parts,
    outcomes: outcomes as Record<string, 'up' | 'down'>,
  };
}
