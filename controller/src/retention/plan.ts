/**
 * Which day partitions of `results` to create and which to drop: the retention decision, pure,
 * with the time passed in. The SQL that carries it out is store/partitions.ts; the loop that runs
 * it every hour is retention/loop.ts.
 */

/** A UTC day, `YYYY-MM-DD`; its partition is `results_pYYYYMMDD` (store/partitions.ts). */
export type Day = string;

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** What the store holds now. */
export interface PartitionFacts {
  /** The days that have a partition of their own. */
  partitions: readonly Day[];
  /** The days the DEFAULT partition holds rows for (a clock that was off, a day not yet created). */
  defaultDays: readonly Day[];
}

export interface RetentionSettings {
  /** Results are kept at least this many days (--results-retention), then dropped a day at a time. */
  retentionDays: number;
  /** Days created ahead of today, so that results never wait for a partition. @default 7 */
  aheadDays?: number;
}

export interface PartitionPlan {
  /** Days to create, oldest first; those the DEFAULT partition holds rows for get them moved in. */
  create: Day[];
  /** Days whose every result is older than the retention, oldest first: their partitions go whole. */
  drop: Day[];
  /** Rows of the DEFAULT partition that started before this are deleted (older than the retention). */
  cutoff: Date;
}

export const DEFAULT_AHEAD_DAYS = 7;

export function planPartitions(facts: PartitionFacts, settings: RetentionSettings, now: Date): PartitionPlan {
  const cutoff = new Date(now.getTime() - settings.retentionDays * DAY_MS);
  // A day is kept while any moment of it is within the retention: rows live at least the
  // retention, at most a day longer, and a whole day is dropped at once.
  const kept = (day: Day) => dayStart(day).getTime() + DAY_MS > cutoff.getTime();
  const today = utcDay(now);
  const last = addDays(today, settings.aheadDays ?? DEFAULT_AHEAD_DAYS);
  const existing = new Set(facts.partitions);
  const wanted = new Set<Day>();
  for (let day = today; day <= last; day = addDays(day, 1)) wanted.add(day);
  // A past day the DEFAULT holds rows for (results sent late, or migrated) gets its partition back,
  // while it is within the retention; a day further ahead than `last` stays in the DEFAULT until
  // it comes within reach, so that a clock years off makes no partition.
  for (const day of facts.defaultDays) if (kept(day) && day <= last) wanted.add(day);
  return {
    create: [...wanted].filter((day) => !existing.has(day)).sort(),
    drop: facts.partitions.filter((day) => !kept(day)).sort(),
    cutoff,
  };
}

/** The UTC day of a moment. */
export function utcDay(at: Date): Day {
  return at.toISOString().slice(0, 10);
}

/** The first moment of a UTC day. Throws on anything that is not `YYYY-MM-DD`. */
export function dayStart(day: Day): Date {
  const start = DAY_PATTERN.test(day) ? new Date(`${day}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(start.getTime()) || utcDay(start) !== day) throw new RangeError(`not a UTC day: ${day}`);
  return start;
}

export function addDays(day: Day, days: number): Day {
  return utcDay(new Date(dayStart(day).getTime() + days * DAY_MS));
}
