/**
 * Collects what a test observes (requests, outcomes, log lines) and lets it wait for the event it
 * expects instead of sleeping. `until` fails with the items seen so far after `timeoutMs`.
 */
export interface Recorder<T> {
  readonly items: readonly T[];
  push(item: T): void;
  until(predicate: (items: readonly T[]) => boolean, what: string, timeoutMs?: number): Promise<readonly T[]>;
}

export function createRecorder<T>(): Recorder<T> {
  const items: T[] = [];
  let waiters: (() => void)[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      const current = waiters;
      waiters = [];
      for (const check of current) check();
    },
    until(predicate, what, timeoutMs = 4000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== check);
          reject(new Error(`timed out waiting for ${what}; saw ${items.length}: ${JSON.stringify(items)}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(items)) {
            waiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve(items);
        };
        check();
      });
    },
  };
}
