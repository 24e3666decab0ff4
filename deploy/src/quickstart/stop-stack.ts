import type { Logger } from '@portwarden/common/logger';

export interface StopStack {
  /** Registers how to stop a component, right after (or just before) it starts. */
  push(name: string, stop: () => Promise<void>): void;
  /**
   * Stops every registered component, the last one first, each after the previous one has
   * finished; a failure is logged and the rest still stop. Resolves true when all stopped cleanly.
   * A second call returns the same promise.
   */
  stopAll(): Promise<boolean>;
}

export function createStopStack(logger: Logger): StopStack {
  const entries: { name: string; stop: () => Promise<void> }[] = [];
  let stopping: Promise<boolean> | undefined;

  async function run(): Promise<boolean> {
    let clean = true;
    for (let entry = entries.pop(); entry; entry = entries.pop()) {
      try {
        await entry.stop();
        logger.debug({ component: entry.name }, 'stopped');
      } catch (err) {
        clean = false;
        logger.error({ err, component: entry.name }, 'did not stop cleanly');
      }
    }
    return clean;
  }

  return {
    push(name, stop) {
      entries.push({ name, stop });
    },
    stopAll() {
      return (stopping ??= run());
    },
  };
}
