/**
 * Results dropped in one eviction pass because the spool was full, not yet acknowledged by the
 * controller. `id` numbers the passes (from 1, never reused), so a report sent again after a
 * reconnect is counted once, as results are unique on (agent, seq). The dropped seqs lie within
 * `fromSeq..toSeq` but need not fill it: state changes in that range were kept and are sent.
 */
export interface GapReport {
  id: number;
  fromSeq: number;
  toSeq: number;
  /** How many results were dropped, in all and per check id. */
  dropped: number;
  byCheck: Record<string, number>;
}

/**
 * The drops of one pass out of one segment. It is written into the rewritten segment itself, so
 * that removing the results and counting them happen in the same rename; when the segment is
 * deleted, its parts move to the state file first. (gap, seg) identifies a part.
 */
export interface GapPart {
  gap: number;
  /** The segment's id (the number in its file name). */
  seg: number;
  fromSeq: number;
  toSeq: number;
  dropped: number;
  byCheck: Record<string, number>;
}

export type GapNote = Omit<GapPart, 'gap' | 'seg'>;

/** Counts dropped results (`{ seq, checkId }`, any order). */
export function countDrops(dropped: readonly { seq: number; checkId: string }[]): GapNote {
  const counts = new Map<string, number>();
  for (const { checkId } of dropped) counts.set(checkId, (counts.get(checkId) ?? 0) + 1);
  return {
    fromSeq: dropped.reduce((min, d) => Math.min(min, d.seq), Infinity),
    toSeq: dropped.reduce((max, d) => Math.max(max, d.seq), 0),
    dropped: dropped.length,
    // fromEntries defines properties, so a check id such as `__proto__` is counted, not assigned
    byCheck: Object.fromEntries(counts),
  };
}

export const partKey = (part: Pick<GapPart, 'gap' | 'seg'>) => `${part.gap}:${part.seg}`;

/** One report per gap id, oldest first, summing the parts of each pass. */
export function reportsFrom(parts: Iterable<GapPart>): GapReport[] {
  const byId = new Map<number, { report: GapReport; counts: Map<string, number> }>();
  for (const part of parts) {
    const entry = byId.get(part.gap) ?? {
      report: { id: part.gap, fromSeq: part.fromSeq, toSeq: part.toSeq, dropped: 0, byCheck: {} },
      counts: new Map<string, number>(),
    };
    byId.set(part.gap, entry);
    entry.report.fromSeq = Math.min(entry.report.fromSeq, part.fromSeq);
    entry.report.toSeq = Math.max(entry.report.toSeq, part.toSeq);
    entry.report.dropped += part.dropped;
    for (const [check, count] of Object.entries(part.byCheck))
      entry.counts.set(check, (entry.counts.get(check) ?? 0) + count);
  }
  return [...byId.values()]
    .map(({ report, counts }) => ({ ...report, byCheck: Object.fromEntries(counts) }))
    .sort((a, b) => a.id - b.id);
}

export function note(part: GapPart): GapNote {
  return { fromSeq: part.fromSeq, toSeq: part.toSeq, dropped: part.dropped, byCheck: part.byCheck };
}

/** Checks a gap note read back from disk; undefined when it is not one. */
export function parseNote(value: unknown): GapNote | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const counts = v.byCheck;
  if (![v.fromSeq, v.toSeq, v.dropped].every(isCount)) return undefined;
  if (typeof counts !== 'object' || counts === null || !Object.values(counts).every(isCount))
    return undefined;
  return {
    fromSeq: v.fromSeq as number,
    toSeq: v.toSeq as number,
    dropped: v.dropped as number,
    byCheck: counts as Record<string, number>,
  };
}

export const isCount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;
