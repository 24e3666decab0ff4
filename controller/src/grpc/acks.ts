/** Seqs `from..to`, both included. */
export interface SeqRange {
  from: number;
  to: number;
}

/** What one Connect stream has told the agent it may forget, and what waits above a hole. */
export interface AckState {
  /** The last ack of the stream; 0 before its first batch. Never decreases. */
  acked: number;
  /** Whether a results batch came yet: the first one sets where the stream starts. */
  started: boolean;
  /** Seqs above `acked` committed on this stream (stored now or before), sorted and disjoint. */
  committed: SeqRange[];
  /** Seqs above `acked` inside gap reports of this stream: dropped, or kept and sent later. */
  gaps: SeqRange[];
}

export const STREAM_START: AckState = { acked: 0, started: false, committed: [], gaps: [] };

/** Ranges kept above a hole; past this the highest are forgotten (their acks wait for a reconnect). */
export const MAX_RANGES = 1000;

export type AckInput = { committed: number[] } | { gap: SeqRange };

/**
 * The ack after a committed batch or a gap report. The agent forgets every seq up to the ack, and
 * it sends what it holds in seq order, starting each stream with the lowest seq it has not had
 * acknowledged. So an ack of N is safe when every seq up to N that the agent may still hold was
 * committed or reported as a gap: nothing below the stream's first seq, and above it, everything
 * this stream committed or reported, without a hole. An ack lands on a committed seq only: a gap
 * report's range may hold results the agent kept and has not sent yet.
 */
export function nextAck(state: AckState, input: AckInput): AckState {
  if ('gap' in input) return advance({ ...state, gaps: add(state.gaps, [input.gap]) });
  const seqs = [...input.committed].sort((a, b) => a - b);
  if (seqs.length === 0) return state;
  const acked = state.started ? state.acked : Math.max(state.acked, seqs[0]! - 1);
  const committed = add(state.committed, toRanges(seqs.filter((seq) => seq > acked)));
  return advance({ ...state, acked, started: true, committed });
}

/** Moves the ack up through what is covered without a hole, to the highest committed seq in it. */
function advance(state: AckState): AckState {
  if (!state.started) return state;
  let covered = state.acked;
  for (const range of add(state.committed, state.gaps)) {
    if (range.from > covered + 1) break;
    covered = Math.max(covered, range.to);
  }
  let acked = state.acked;
  for (const range of state.committed)
    if (range.from <= covered) acked = Math.max(acked, Math.min(range.to, covered));
  return { ...state, acked, committed: above(state.committed, acked), gaps: above(state.gaps, acked) };
}

/** The union of two sorted disjoint lists, adjacent ranges merged, at most MAX_RANGES kept. */
function add(ranges: SeqRange[], more: SeqRange[]): SeqRange[] {
  const merged: SeqRange[] = [];
  for (const range of [...ranges, ...more].sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else merged.push({ ...range });
  }
  return merged.slice(0, MAX_RANGES);
}

function above(ranges: SeqRange[], acked: number): SeqRange[] {
  return ranges.filter((r) => r.to > acked).map((r) => ({ from: Math.max(r.from, acked + 1), to: r.to }));
}

function toRanges(sorted: number[]): SeqRange[] {
  return add(
    [],
    sorted.map((seq) => ({ from: seq, to: seq })),
  );
}
