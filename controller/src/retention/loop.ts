import type { Logger } from '@portwarden/common/logger';
import { planPartitions, type Day, type RetentionSettings } from './plan.js';
import type { PartitionStore } from './types.js';

/**
 * Retention of `results`: day partitions created ahead, whole days dropped past the retention
 * (plan.ts decides, store/partitions.ts does it), at start and then every hour. It touches only
 * `results`: check state, incidents, the outbox and the notification log are kept by their own
 * rules, so an incident older than the retention keeps its timeline whatever happened to the
 * results that opened it.
 */

export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionReport {
  created: Day[];
  /** Rows moved out of the DEFAULT partition into the days created. */
  moved: number;
  dropped: Day[];
  /** Rows of the DEFAULT partition deleted for being older than the retention. */
  deleted: number;
  /** Steps that failed (logged); the next run tries them again. */
  failed: number;
}

/** One run: what the plan asks, step by step; a step that fails is logged and the others go on. */
export async function runRetention(
  store: PartitionStore,
  settings: RetentionSettings,
  now: Date,
  logger: Logger,
): Promise<RetentionReport> {
  const report: RetentionReport = { created: [], moved: 0, dropped: [], deleted: 0, failed: 0 };
  const plan = planPartitions(await store.facts(), settings, now);
  const attempt = async (what: string, day: Day | undefined, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      report.failed += 1;
      logger.warn({ err, step: what, day }, 'retention step failed; the next run tries again');
    }
  };
  for (const day of plan.create)
    await attempt('create', day, async () => {
      const { created, moved } = await store.createDay(day);
      if (created) report.created.push(day);
      report.moved += moved;
    });
  for (const day of plan.drop)
    await attempt('drop', day, async () => {
      if (await store.dropDay(day)) report.dropped.push(day);
    });
  await attempt('delete from default', undefined, async () => {
    report.deleted = await store.deleteDefaultBefore(plan.cutoff);
  });
  return report;
}

export interface RetentionLoopOptions {
  store: PartitionStore;
  settings: RetentionSettings;
  logger: Logger;
  /** @default RETENTION_INTERVAL_MS (an hour) */
  intervalMs?: number;
  now?: () => Date;
}

export interface RetentionLoop {
  /** The first run (awaited: days exist before results arrive), then one every interval. Never throws. */
  start(): Promise<void>;
  /** Ends the loop after the run in progress. */
  stop(): Promise<void>;
  runOnce(): Promise<RetentionReport | undefined>;
}

export function createRetentionLoop(options: RetentionLoopOptions): RetentionLoop {
  const logger = options.logger.child({ component: 'retention' });
  const now = options.now ?? (() => new Date());
  const intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let run: Promise<unknown> | undefined;
  let running = false;

  async function runOnce(): Promise<RetentionReport | undefined> {
    try {
      const report = await runRetention(options.store, options.settings, now(), logger);
      const changed = report.created.length + report.dropped.length + report.deleted + report.failed > 0;
      if (changed) logger.info({ ...report, retentionDays: options.settings.retentionDays }, 'retention ran');
      return report;
    } catch (err) {
      logger.warn({ err }, 'retention could not read the partitions; the next run tries again');
      return undefined;
    }
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      run = runOnce().finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    async start() {
      if (running) return;
      running = true;
      run = runOnce();
      await run;
      schedule();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await run;
    },
    runOnce,
  };
}
