import type { Logger } from '@portwarden/common/logger';

/**
 * Notifications that time brings rather than a result: a silence that ended while its incident
 * still fires, a repeat, an escalation, a group whose wait is over. Each is a sweep: it looks at
 * the store as of `now`, writes the outbox rows that are due (in one transaction, so that two
 * replicas never write the same one) and says how many.
 */
export interface Sweep {
  readonly name: string;
  run(now: Date): Promise<number>;
}

export interface FollowupLoopOptions {
  sweeps: readonly Sweep[];
  logger: Logger;
  /** Outbox rows were written: relay them now. */
  onEvents(): void;
  /** @default 5000 */
  intervalMs?: number;
  now?: () => Date;
}

export interface FollowupLoop {
  start(): void;
  /** Ends the loop after the pass in progress. */
  stop(): Promise<void>;
  /** One pass now (tests, and after a policy change). */
  runOnce(): Promise<number>;
}

/** Runs every sweep in turn every `intervalMs`; a sweep that fails is logged once per outage. */
export function createFollowupLoop(options: FollowupLoopOptions): FollowupLoop {
  const logger = options.logger.child({ component: 'followup' });
  const now = options.now ?? (() => new Date());
  const intervalMs = options.intervalMs ?? 5000;
  const failing = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<number> | undefined;
  let running = false;

  async function sweepOnce(sweep: Sweep, at: Date): Promise<number> {
    try {
      const written = await sweep.run(at);
      if (failing.delete(sweep.name)) logger.info({ sweep: sweep.name }, 'follow-up sweep recovered');
      return written;
    } catch (err) {
      if (!failing.has(sweep.name))
        logger.warn({ err, sweep: sweep.name }, 'follow-up sweep failed; it runs again at the next pass');
      failing.add(sweep.name);
      return 0;
    }
  }

  async function runOnce(): Promise<number> {
    const at = now();
    let written = 0;
    for (const sweep of options.sweeps) written += await sweepOnce(sweep, at);
    if (written > 0) options.onEvents();
    return written;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      pass = runOnce().finally(schedule);
    }, intervalMs);
  }

  return {
    start() {
      if (running || options.sweeps.length === 0) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass;
    },
    runOnce,
  };
}
