import { describe, expect, it } from 'vitest';
import { allOrFirstError } from './first-error.js';

/** A promise settled by hand, to order the settlements of a case. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('allOrFirstError', () => {
  const cases: { name: string; steps: [index: number, error?: string][]; want?: string }[] = [
    { name: 'all resolve', steps: [[0], [1], [2]] },
    { name: 'one fails', steps: [[0], [2, 'bad'], [1]], want: 'bad' },
    {
      name: 'the first in time wins over the first in the list',
      steps: [[2, '22021 invalid byte'], [0, '25P02 transaction aborted'], [1]],
      want: '22021 invalid byte',
    },
  ];
  it.each(cases)('$name', async ({ steps, want }) => {
    const chains = [deferred(), deferred(), deferred()];
    let settled = false;
    const all = allOrFirstError(chains.map((c) => c.promise)).finally(() => (settled = true));
    all.catch(() => undefined);
    for (const [index, error] of steps) {
      // Nothing is reported while any chain still runs.
      expect(settled).toBe(false);
      if (error) chains[index]!.reject(new Error(error));
      else chains[index]!.resolve();
      await Promise.resolve();
    }
    if (want) await expect(all).rejects.toThrow(want);
    else await expect(all).resolves.toBeUndefined();
  });
});
