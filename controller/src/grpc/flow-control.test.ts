import { describe, expect, it } from 'vitest';
import { FlowGate } from './flow-control.js';

describe('FlowGate', () => {
  // [results in flight in all, this stream's messages in flight, open?, why]
  const cases: [number, number, boolean, string][] = [
    [0, 0, true, 'nothing in flight'],
    [99, 3, true, 'under both bounds'],
    [99, 4, false, "the stream's own bound"],
    [100, 0, false, 'the total bound, for a stream with nothing in flight too'],
  ];
  it.each(cases)('with %i results and %i messages in flight: open %s (%s)', (total, messages, open) => {
    const gate = new FlowGate({ perStream: 4, total: 100 });
    gate.admit(total);
    expect(gate.open(messages)).toBe(open);
  });

  it('wakes the streams waiting for room once the total falls below its bound, once each', () => {
    const gate = new FlowGate({ perStream: 4, total: 10 });
    gate.admit(12);
    const woken: string[] = [];
    const a = () => woken.push('a');
    gate.whenRoom(a);
    gate.whenRoom(a);
    gate.whenRoom(() => woken.push('b'));
    const gone = () => woken.push('gone');
    gate.whenRoom(gone);
    gate.forget(gone);
    gate.release(2);
    expect(woken).toEqual([]); // 10: still at the bound
    gate.release(1);
    expect(woken).toEqual(['a', 'b']);
    gate.release(1);
    expect(woken).toEqual(['a', 'b']);
    expect(gate.pending).toBe(8);
  });
});
