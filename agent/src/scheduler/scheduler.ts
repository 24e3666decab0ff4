import { isDeepStrictEqual } from 'node:util';
import { silentLogger, type Logger } from '@portwarden/common/logger';

/** What the scheduler needs to know of a check; the rest is passed through to `run`. */
export interface ScheduledCheck {
  id: string;
  intervalMs: number;
  enabled: boolean;
}

/** Time, injectable so that tests can drive it. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's monotonic clock and timers, looked up at call time so fake timers apply. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SchedulerOptions<C extends ScheduledCheck> {
  /** Runs one probe of a check; should not throw. The signal aborts when the check goes away. */
  run(check: C, signal: AbortSignal): Promise<void>;
  /** @default realClock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
  /** Upper bound of the delay before a check's first run. @default 10_000 */
  maxJitterMs?: number;
  /** @default a silent logger */
  logger?: Logger;
}

export interface Scheduler<C extends ScheduledCheck> {
  /** Replaces the set of checks at once: removed stop, changed restart, unchanged keep their timing. */
  update(checks: readonly C[]): void;
  /** The checks being run, by id. */
  readonly checks: ReadonlyMap<string, C>;
  /** Stops every check; resolves when the probes still in flight have ended. */
  stop(): Promise<void>;
}

type Deps<C extends ScheduledCheck> = Required<SchedulerOptions<C>>;

/** Runs each enabled check on its interval, never two runs of one check at once. */
export function createScheduler<C extends ScheduledCheck>(options: SchedulerOptions<C>): Scheduler<C> {
  const deps: Deps<C> = {
    clock: realClock,
    random: Math.random,
    maxJitterMs: 10_000,
    logger: silentLogger(),
    ...options,
  };
  const jobs = new Map<string, Job<C>>();
  const checks = new Map<string, C>();
  const retiring = new Set<Promise<void>>();

  const retire = (job: Job<C>) => {
    const done = job.stop();
    retiring.add(done);
    void done.finally(() => retiring.delete(done));
    return done;
  };

  return {
    checks,
    update(next) {
      const wanted = new Map(next.filter((c) => c.enabled).map((c) => [c.id, c]));
      const previousRuns = new Map<string, Promise<void>>();
      for (const [id, job] of jobs) {
        if (isDeepStrictEqual(wanted.get(id), job.check)) continue;
        previousRuns.set(id, retire(job));
        jobs.delete(id);
        checks.delete(id);
      }
      for (const [id, check] of wanted) {
        if (jobs.has(id)) continue;
        // A changed check waits for its previous run to end, so one check never overlaps itself.
        const job = new Job(check, deps, previousRuns.get(id));
        jobs.set(id, job);
        checks.set(id, check);
        job.start();
      }
    },
    async stop() {
      for (const job of jobs.values()) void retire(job); // awaited below, with the others in `retiring`
      jobs.clear();
      checks.clear();
      await Promise.all(retiring);
    },
  };
}

/** One check's loop: wait, run, wait what is left of the interval (or nothing), run again. */
class Job<C extends ScheduledCheck> {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    readonly check: C,
    private readonly deps: Deps<C>,
    private previousRun: Promise<void> | undefined,
  ) {}

  /** The first run waits a random part of the interval, so that checks (and agents) spread out. */
  start(): void {
    const window = Math.min(this.check.intervalMs, this.deps.maxJitterMs);
    this.schedule(Math.floor(this.deps.random() * window));
  }

  /** Resolves once no run of this job is in flight. */
  stop(): Promise<void> {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    this.abort.abort();
    return Promise.all([this.running, this.previousRun]).then(() => {});
  }

  private schedule(delayMs: number): void {
    this.timer = this.deps.clock.setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.previousRun) await this.previousRun;
    this.previousRun = undefined;
    if (this.stopped) return;
    const startedAt = this.deps.clock.now();
    this.running = this.runOnce();
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    // Fixed rate while probes are quick; right after the end when a probe outlasts the interval.
    this.schedule(Math.max(0, this.check.intervalMs - (this.deps.clock.now() - startedAt)));
  }

  private async runOnce(): Promise<void> {
    try {
      await this.deps.run(this.check, this.abort.signal);
    } catch (err) {
      this.deps.logger.error({ err, checkId: this.check.id }, 'check run failed');
    }
  }
}
