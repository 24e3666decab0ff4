import { describe, expect, it } from 'vitest';
import { Parts, startParts, type Part } from './lifecycle.js';

/** Parts that write what happens to them into one journal. */
function journaled(journal: string[], name: string, failStart = false, failStop = false): Part {
  return {
    name,
    start: async () => {
      if (failStart) throw new Error(`${name} will not start`);
      journal.push(`start ${name}`);
    },
    stop: async () => {
      journal.push(`stop ${name}`);
      if (failStop) throw new Error(`${name} will not stop`);
    },
  };
}

describe('parts', () => {
  it('start in order and stop in reverse', async () => {
    const journal: string[] = [];
    const running = await startParts(['db', 'api', 'grpc'].map((n) => journaled(journal, n)));
    await running.stop();
    expect(journal).toEqual(['start db', 'start api', 'start grpc', 'stop grpc', 'stop api', 'stop db']);
  });

  it('a part that fails to start stops those already started, and its error goes on', async () => {
    const journal: string[] = [];
    const parts = [journaled(journal, 'db'), journaled(journal, 'api'), journaled(journal, 'grpc', true)];
    await expect(startParts(parts)).rejects.toThrow('grpc will not start');
    expect(journal).toEqual(['start db', 'start api', 'stop api', 'stop db']);
  });

  it('hands what start returned to stop', async () => {
    const stopped: number[] = [];
    const parts = new Parts();
    const port = await parts.start({ name: 'server', start: () => 7480, stop: (p) => void stopped.push(p) });
    await parts.stop();
    expect([port, stopped]).toEqual([7480, [7480]]);
  });

  it('stops every part even when one fails to stop, reports that one, and stops nothing twice', async () => {
    const journal: string[] = [];
    const running = await startParts([
      journaled(journal, 'db'),
      journaled(journal, 'api', false, true),
      journaled(journal, 'grpc'),
    ]);
    await expect(running.stop()).rejects.toThrow('stopping api failed');
    await running.stop();
    expect(journal).toEqual(['start db', 'start api', 'start grpc', 'stop grpc', 'stop api', 'stop db']);
  });
});
