import { describe, expect, it } from 'vitest';
import { createParts, resource, settleWithin, type Part } from './lifecycle.js';

/** Parts that write what happens to them in one log, in order. */
function recorded(names: string[], failing: { start?: string; stop?: string } = {}) {
  const log: string[] = [];
  const parts: Part[] = names.map((name) => ({
    name,
    start: async () => {
      await Promise.resolve();
      if (name === failing.start) throw new Error(`${name} failed to start`);
      log.push(`start ${name}`);
    },
    stop: async () => {
      await Promise.resolve();
      log.push(`stop ${name}`);
      if (name === failing.stop) throw new Error(`${name} failed to stop`);
    },
  }));
  return { log, parts };
}

describe('parts', () => {
  it('start in order and stop in reverse', async () => {
    const { log, parts } = recorded(['a', 'b', 'c']);
    const lifecycle = createParts(parts);
    await lifecycle.start();
    await lifecycle.stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('a part that fails to start stops the started ones, in reverse, and the start rejects', async () => {
    const { log, parts } = recorded(['a', 'b', 'c', 'd'], { start: 'c' });
    const lifecycle = createParts(parts);
    await expect(lifecycle.start()).rejects.toThrow('c failed to start');
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    // nothing is left to stop
    await lifecycle.stop();
    expect(log).toHaveLength(4);
  });

  it('a part that fails to stop does not keep the others running; its error comes out at the end', async () => {
    const { log, parts } = recorded(['a', 'b', 'c'], { stop: 'b' });
    const lifecycle = createParts(parts);
    await lifecycle.start();
    await expect(lifecycle.stop()).rejects.toThrow('b failed to stop');
    // nothing is stopped twice
    await lifecycle.stop();
    expect(log.slice(3)).toEqual(['stop c', 'stop b', 'stop a']);
  });

  it('a stop while starting aborts the part that waits, then stops what started', async () => {
    const { log, parts } = recorded(['a']);
    let waiting!: () => void;
    const entered = new Promise<void>((resolve) => (waiting = resolve));
    const slow: Part = {
      name: 'slow',
      start: (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
          waiting();
        }),
      stop: () => void log.push('stop slow'),
    };
    const lifecycle = createParts([...parts, slow, ...recorded(['never']).parts]);
    const starting = lifecycle.start();
    await entered;
    await lifecycle.stop();
    await expect(starting).rejects.toThrow('aborted');
    expect(log).toEqual(['start a', 'stop a']);
  });

  it('a second start returns the first one; after a stop, start starts again', async () => {
    const { log, parts } = recorded(['a']);
    const lifecycle = createParts(parts);
    expect(lifecycle.start()).toBe(lifecycle.start());
    await lifecycle.start();
    await lifecycle.stop();
    await lifecycle.start();
    expect(log).toEqual(['start a', 'stop a', 'start a']);
  });
});

describe('a resource', () => {
  it('holds its value from start to stop, and says so when used outside', async () => {
    const closed: number[] = [];
    const counter = resource(
      'counter',
      () => 42,
      (value) => void closed.push(value),
    );
    expect(counter.current).toBeUndefined();
    expect(() => counter.value).toThrow('counter used before it started');
    const lifecycle = createParts([counter]);
    await lifecycle.start();
    expect(counter.value).toBe(42);
    await lifecycle.stop();
    expect(closed).toEqual([42]);
    expect(counter.current).toBeUndefined();
  });
});

describe('createParts with stopTimeoutMs', () => {
  it('stops the parts before a part that hangs, then reports it', async () => {
    const { log, parts } = recorded(['database', 'api']);
    const hanging: Part = { name: 'queue', stop: () => new Promise(() => {}) };
    const lifecycle = createParts([parts[0]!, hanging, parts[1]!], { stopTimeoutMs: 20 });
    await lifecycle.start();
    await expect(lifecycle.stop()).rejects.toThrow('queue did not stop within 20 ms');
    expect(log).toEqual(['start database', 'start api', 'stop api', 'stop database']);
  });
});

describe('settleWithin', () => {
  const cases: [string, () => Promise<unknown>, boolean][] = [
    ['work that resolves in time', () => Promise.resolve('done'), true],
    ['work that rejects in time', () => Promise.reject(new Error('refused')), true],
    ['work that never settles', () => new Promise(() => {}), false],
  ];
  it.each(cases)('%s', async (_why, work, settled) => {
    expect(await settleWithin(work(), 20)).toBe(settled);
  });
});
