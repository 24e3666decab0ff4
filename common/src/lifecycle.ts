/**
 * Lifecycles made of parts: a process (the agent, the controller) is a list of parts started in
 * order and stopped in reverse, so that each part starts after what it uses and stops before it.
 */

/** One piece of a process's lifecycle. */
export interface Part {
  /** Says which part, to whoever reads the list (and in a resource's errors). */
  name: string;
  /** Aborted when `stop()` is called while starting: a start that may wait long should listen. */
  start?(signal: AbortSignal): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export interface Parts {
  /**
   * Starts the parts in order. When one fails, the parts already started are stopped, in reverse,
   * and the start rejects with its error. A second call while starting or started returns the
   * same promise; after a failed start, a call starts again.
   */
  start(): Promise<void>;
  /**
   * Stops the started parts, the last one first. Called while starting, it aborts the start and
   * waits for it to end first. Every part is stopped even if one fails; the first failure is
   * thrown at the end. After it, `start()` starts everything again.
   */
  stop(): Promise<void>;
}

/** A part that did not stop within its time: the parts before it are stopped all the same. */
export class StopTimeoutError extends Error {
  constructor(name: string, ms: number) {
    super(`${name} did not stop within ${ms} ms`);
  }
}

export interface PartsOptions {
  /**
   * How long each part's stop may take before the next part is stopped regardless (the late one
   * counts as a failure to stop). @default no bound
   */
  stopTimeoutMs?: number;
}

export function createParts(parts: readonly Part[], options: PartsOptions = {}): Parts {
  const started: Part[] = [];
  let starting: Promise<void> | undefined;
  let abort = new AbortController();

  const stopStarted = async () => {
    const failures: unknown[] = [];
    for (let part = started.pop(); part; part = started.pop()) {
      try {
        await stopWithin(part, options.stopTimeoutMs);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  };

  const startAll = async (signal: AbortSignal) => {
    try {
      for (const part of parts) {
        signal.throwIfAborted();
        await part.start?.(signal);
        started.push(part);
      }
    } catch (err) {
      // The start's own failure is the one to report; a failure to stop would hide it.
      await stopStarted().catch(() => {});
      starting = undefined;
      throw err;
    }
  };

  return {
    start() {
      return (starting ??= startAll(abort.signal));
    },
    async stop() {
      abort.abort();
      await starting?.catch(() => {});
      starting = undefined;
      abort = new AbortController();
      await stopStarted();
    },
  };
}

async function stopWithin(part: Part, ms: number | undefined): Promise<void> {
  const stopping = Promise.resolve(part.stop?.());
  if (ms === undefined) return stopping;
  if (!(await settleWithin(stopping, ms))) throw new StopTimeoutError(part.name, ms);
  await stopping;
}

/** A part that opens one thing and closes it: the thing exists, whole, from start to stop. */
export interface Resource<T> extends Part {
  /** The thing; throws when the part is not started, a wiring mistake. */
  readonly value: T;
  /** The thing, or undefined when the part is not started. */
  readonly current: T | undefined;
}

export function resource<T>(
  name: string,
  open: (signal: AbortSignal) => Promise<T> | T,
  close?: (value: T) => Promise<void> | void,
): Resource<T> {
  let current: T | undefined;
  let opened = false;
  return {
    name,
    async start(signal) {
      current = await open(signal);
      opened = true;
    },
    async stop() {
      const value = current as T;
      opened = false;
      current = undefined;
      await close?.(value);
    },
    get value(): T {
      if (!opened) throw new Error(`${name} used before it started`);
      return current as T;
    },
    get current() {
      return current;
    },
  };
}

/**
 * Waits for `work` at most `ms`: true when it settled in time (fulfilled or rejected), false when
 * it was given up on. Bounds a stop that waits on a dependency that may never answer.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
