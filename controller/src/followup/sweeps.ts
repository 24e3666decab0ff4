import type { Sql } from '../store/db.js';
import { createFollowupStore } from '../store/followup-store.js';
import { escalateSweep } from './escalate-sweep.js';
import type { Sweep } from './loop.js';
import { repeatSweep } from './repeat-sweep.js';
import type { FollowupPolicy } from './types.js';

/** What the sweeps are made from. */
export interface SweepDeps {
  sql: Sql;
  /** The policy in force: each group's repeat interval and escalation steps. */
  policy: FollowupPolicy;
}

/**
 * The controller's follow-up sweeps, in the order they run each pass. Each noise-control feature
 * that acts with time (silence release, repeat, escalation, group flush) adds its sweep here.
 */
export function followupSweeps(deps: SweepDeps): Sweep[] {
  const followups = createFollowupStore(deps.sql);
  return [repeatSweep(followups, deps.policy), escalateSweep(followups, deps.policy)];
}
