import type { Logger } from '@portwarden/common/logger';
import { silenceReleaseSweep } from '../silence/release.js';
import type { Sql } from '../store/db.js';
import { createUndeliveredPairs } from '../store/notification-log.js';
import { createCoverSource, createReleaseStore } from '../store/silences.js';
import type { Sweep } from './loop.js';
import { reconcileSweep, type RequeueJobs } from './reconcile.js';

/** What the sweeps are made from. */
export interface SweepDeps {
  sql: Sql;
  logger: Logger;
  /** The BullMQ jobs, once notifications started; undefined in-process (reconcile.ts). */
  deliveryJobs: () => RequeueJobs | undefined;
  /** @default 30000 (reconcile.ts) */
  reconcileGraceMs?: number;
}

/**
 * The controller's follow-up sweeps, in the order they run each pass. Each noise-control feature
 * that acts with time (silence release, repeat, escalation, group flush) adds its sweep here.
 */
export function followupSweeps(deps: SweepDeps): Sweep[] {
  return [
    silenceReleaseSweep({ covers: createCoverSource(deps.sql), store: createReleaseStore(deps.sql) }),
    reconcileSweep({
      pairs: createUndeliveredPairs(deps.sql),
      jobs: deps.deliveryJobs,
      logger: deps.logger,
      ...(deps.reconcileGraceMs !== undefined && { window: { graceMs: deps.reconcileGraceMs } }),
    }),
  ];
}
