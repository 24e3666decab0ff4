/** One thing a process starts and stops; what `start` returns is handed to `stop`. */
export interface Part<T = void> {
  name: string;
  start(): T | Promise<T>;
  stop(started: T): void | Promise<void>;
}

/**
 * Parts started one after another and stopped in reverse. A part that fails to start stops those
 * started before it, then its error goes on: nothing half-started is left running.
 */
export class Parts {
  private started: { name: string; stop: () => void | Promise<void> }[] = [];

  /** Starts `part` after those already started; returns what its `start` returned. */
  async start<T>(part: Part<T>): Promise<T> {
    let value: T;
    try {
      value = await part.start();
    } catch (err) {
      // The start error is the one to report; a failure to stop the others would hide it.
      await this.stop().catch(() => undefined);
      throw err;
    }
    this.started.push({ name: part.name, stop: () => part.stop(value) });
    return value;
  }

  /** Stops the started parts, last first. Every part gets its stop; the first failure is thrown after. */
  async stop(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    let failure: { err: unknown } | undefined;
    for (const part of started) {
      try {
        await part.stop();
      } catch (err) {
        failure ??= { err: new Error(`stopping ${part.name} failed`, { cause: err }) };
      }
    }
    if (failure) throw failure.err;
  }
}

/** Starts a fixed list of parts in order; stop the result to stop them in reverse. */
export async function startParts(parts: Part[]): Promise<Parts> {
  const running = new Parts();
  for (const part of parts) await running.start(part);
  return running;
}
