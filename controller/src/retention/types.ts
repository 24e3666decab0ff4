import type { Day, PartitionFacts } from './plan.js';

/** What retention needs from storage (store/partitions.ts); each change is a transaction of its own. */
export interface PartitionStore {
  facts(): Promise<PartitionFacts>;
  /** Creates the day's partition, moving in the rows the DEFAULT partition holds for it; nothing if it exists. */
  createDay(day: Day): Promise<{ created: boolean; moved: number }>;
  /** Drops the day's partition with its rows; false if it was gone already. */
  dropDay(day: Day): Promise<boolean>;
  /** Deletes the DEFAULT partition's rows that started before `cutoff`; how many. */
  deleteDefaultBefore(cutoff: Date): Promise<number>;
}
