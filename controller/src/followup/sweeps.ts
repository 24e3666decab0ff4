import type { Logger } from '@portwarden/common/logger';
import { silenceReleaseSweep } from '../silence/release.js';
import type { Sql } from '../store/db.js';
import { createFollowupStore } from '../store/followup-store.js';
import { createUndeliveredPairs } from '../store/notification-log.js';
import { createCoverSource, createReleaseStore } from '../store/silences.js';
import { escalateSweep } from './escalate-sweep.js';
import { createOutboxGroups } from '../store/outbox-groups.js';
import { groupFlushSweep } from './group-flush.js';
import type { Sweep } from './loop.js';
import { reconcileSweep, type RequeueJobs } from './reconcile.js';
import { repeatSweep } from './repeat-sweep.js';
import type { FollowupPolicy } from './types.js';

/** What the sweeps are made from. */
export interface SweepDeps {
  sql: Sql;
  logger: Logger;
  /** The BullMQ jobs, once notifications started; undefined in-process (reconcile.ts). */
  deliveryJobs: () => RequeueJobs | undefined;
  /** @default 30000 (reconcile.ts) */
  reconcileGraceMs?: number;
  /** The policy in force: each group's repeat interval and escalation steps. */
  policy: FollowupPolicy;
}

/**
 * The controller's follow-up sweeps, in the order they run each pass. Each noise-control feature
 * that acts with time (silence release, repeat, escalation, group flush) adds its sweep here.
 */
export function followupSweeps(deps: SweepDeps): Sweep[] {
  const followups = createFollowupStore(deps.sql);
  return [
    groupFlushSweep(createOutboxGroups(deps.sql)),
    repeatSweep(followups, deps.policy),
    escalateSweep(followups, deps.policy),
    silenceReleaseSweep({ covers: createCoverSource(deps.sql), store: createReleaseStore(deps.sql) }),
    reconcileSweep({
      pairs: createUndeliveredPairs(deps.sql),
      jobs: deps.deliveryJobs,
      logger: deps.logger,
      ...(deps.reconcileGraceMs !== undefined && { window: { graceMs: deps.reconcileGraceMs } }),
    }),
  ];
}
