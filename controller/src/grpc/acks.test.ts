import { describe, expect, it } from 'vitest';
import { MAX_RANGES, nextAck, STREAM_START, type AckInput } from './acks.js';

const batch = (...committed: number[]): AckInput => ({ committed });
const gap = (from: number, to: number): AckInput => ({ gap: { from, to } });

/** The acks after each input of one stream, as the session sends them. */
function acks(inputs: AckInput[]): number[] {
  let state = STREAM_START;
  return inputs.map((input) => (state = nextAck(state, input)).acked);
}

describe('nextAck', () => {
  const cases: [string, AckInput[], number[]][] = [
    // The usual stream: contiguous batches, each acked up to its end.
    ['contiguous batches', [batch(1, 2, 3), batch(4, 5)], [3, 5]],
    // A stream starts where the agent's unacknowledged results start: lower seqs were acked before.
    ['a stream that starts at 500', [batch(500, 501)], [501]],
    // Out of order: acks never go back, and 20 waits while 11..19 are neither stored nor gaps.
    ['seqs 10, 9, 8, 20', [batch(10), batch(9), batch(8), batch(20)], [10, 10, 10, 10]],
    // A replay of what is already acked (after an agent crash) changes nothing.
    ['a replay below the ack', [batch(1, 2, 3), batch(2, 3)], [3, 3]],
    // A batch with a hole is acked up to the hole ...
    ['a hole in a batch', [batch(1, 2, 4, 5)], [2]],
    // ... and once the next batch fills it, up to the batch's end.
    ['a hole filled later', [batch(1, 2, 4, 5), batch(3, 6)], [2, 6]],
    // The spool dropped 3..4 and reported it: the ack passes the gap.
    ['a hole reported as a gap first', [gap(3, 4), batch(1, 2, 5)], [0, 5]],
    // The report came after the batch (the eviction raced the send): the ack moves when it comes.
    ['a gap report after the batch', [batch(1, 2, 5), gap(3, 4)], [2, 5]],
    // A gap's range may hold results the agent kept and sends later: the ack stops at a committed seq.
    ['a gap above everything committed', [batch(1, 2), gap(3, 9)], [2, 2]],
    ['a kept result inside a gap', [batch(1, 2), gap(3, 9), batch(5)], [2, 2, 5]],
    // An empty batch acks nothing new.
    ['an empty first batch', [batch()], [0]],
  ];
  it.each(cases)('%s', (_why, inputs, expected) => {
    expect(acks(inputs)).toEqual(expected);
  });

  it('never decreases, whatever the order', () => {
    const order = [7, 3, 9, 1, 2, 8, 4, 6, 5, 12, 10, 11];
    const sent = acks(order.map((seq) => batch(seq)));
    for (let i = 1; i < sent.length; i++) expect(sent[i]).toBeGreaterThanOrEqual(sent[i - 1]!);
    expect(sent.at(-1)).toBe(12);
  });

  it('keeps at most MAX_RANGES ranges above a hole', () => {
    const evens = Array.from({ length: MAX_RANGES + 10 }, (_, i) => 2 * i + 2);
    let state = nextAck(STREAM_START, batch(1));
    state = nextAck(state, batch(...evens.slice(1)));
    expect(state.committed).toHaveLength(MAX_RANGES);
    expect(state.acked).toBe(1);
  });
});
