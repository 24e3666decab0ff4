import type { Sql } from '../store/db.js';
import { createOutboxGroups } from '../store/outbox-groups.js';
import { groupFlushSweep } from './group-flush.js';
import type { Sweep } from './loop.js';

/** What the sweeps are made from. */
export interface SweepDeps {
  sql: Sql;
}

/**
 * The controller's follow-up sweeps, in the order they run each pass. Each noise-control feature
 * that acts with time (silence release, repeat, escalation, group flush) adds its sweep here.
 */
export function followupSweeps(deps: SweepDeps): Sweep[] {
  return [groupFlushSweep(createOutboxGroups(deps.sql))];
}
