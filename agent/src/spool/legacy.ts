import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@portwarden/common/logger';
import { syncDirectory, writeTemp, type SyncCounter } from './disk.js';
import { isStateChange } from './evict.js';
import { FLAG_CHANGE, KIND_RESULT, MAGIC, encodeFrame } from './frame.js';
import { segmentName } from './segment.js';
import type { SpooledResult } from './record.js';
import { readState, writeState } from './state.js';

/** The spool of agents up to 0.1: `spool.jsonl` in the state directory. */
export const LEGACY_FILE = 'spool.jsonl';

/**
 * Moves what the old JSON-lines spool still holds into a segment, keeping its seqs, so that an
 * upgrade loses nothing and never reuses a seq. Safe to repeat: the old file goes last.
 */
export async function migrateLegacy(
  stateDir: string,
  dir: string,
  log: Logger,
  counter: SyncCounter,
): Promise<void> {
  const file = path.join(stateDir, LEGACY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const { records, acked } = parseLegacy(text);
  const state = await readState(dir);
  const outcomes = new Map(Object.entries(state.outcomes));
  const frames = records.map(({ seq, ...result }) => {
    const change = isStateChange(outcomes.get(result.checkId), result.outcome);
    outcomes.set(result.checkId, result.outcome);
    return {
      seq,
      frame: encodeFrame(KIND_RESULT, change ? FLAG_CHANGE : 0, seq, Buffer.from(JSON.stringify(result))),
    };
  });
  const pending = frames.filter((f) => f.seq > acked);
  if (pending.length > 0) {
    const segment = path.join(dir, segmentName(pending[0]!.seq));
    const temp = await writeTemp(segment, Buffer.concat([MAGIC, ...pending.map((f) => f.frame)]), counter);
    await rename(temp, segment);
    await syncDirectory(dir, counter);
  }
  const lastSeq = Math.max(acked, records.at(-1)?.seq ?? 0);
  await writeState(
    dir,
    {
      ...state,
      lastSeq: Math.max(state.lastSeq, lastSeq),
      acked: Math.max(state.acked, acked),
      outcomes: Object.fromEntries(outcomes),
    },
    counter,
  );
  await rm(file, { force: true });
  await rm(`${file}.tmp`, { force: true });
  log.info({ pending: pending.length, lastSeq }, `moved ${LEGACY_FILE} into spool segments`);
}

/** Results in seq order (the last copy of a seq wins) and the highest ack marker; torn lines skipped. */
function parseLegacy(text: string): { records: SpooledResult[]; acked: number } {
  const bySeq = new Map<number, SpooledResult>();
  let acked = 0;
  for (const line of text.split('\n')) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if ('ack' in value && Number.isSafeInteger(value.ack)) acked = Math.max(acked, value.ack as number);
    else if ('seq' in value && Number.isSafeInteger(value.seq))
      bySeq.set(value.seq as number, value as SpooledResult);
  }
  return { records: [...bySeq.values()].sort((a, b) => a.seq - b.seq), acked };
}
