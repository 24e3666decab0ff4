import type { Logger } from '@portwarden/common/logger';
import { ingestGroup, type IngestBatch, type IngestOutcome, type PolicyInForce } from './ingest.js';
import type { IngestStore } from './types.js';

export interface GroupCommitOptions {
  store: IngestStore;
  /** Read at each commit, so every group is decided by the policy in force when it commits. */
  policy(): PolicyInForce | undefined;
  logger: Logger;
  /** Called after a commit that wrote outbox rows, so the relay does not wait for its poll. */
  onEvents(): void;
  /** Results in one transaction at most. @default 4000 */
  maxResults?: number;
  /** Transactions in flight at once: one commits while the next collects. @default 2 */
  concurrency?: number;
  now?: () => Date;
}

interface Pending extends IngestBatch {
  resolve(outcome: IngestOutcome): void;
  reject(err: unknown): void;
  /** Whether the stream that handed it in has failed since: its batch is then not stored. */
  dropped(): boolean;
}

/**
 * Group commit across streams: what arrives from every stream while a transaction is in flight
 * goes into the next, so the cost of a commit (and of each statement, see store/ingest-store.ts)
 * is shared by all the batches in it. Nothing waits on a timer: when PostgreSQL is fast, each
 * batch commits alone at once; when it lags, groups grow. An agent is in one transaction at a time,
 * so its results are decided in the order its stream sent them.
 */
export function createGroupCommit(options: GroupCommitOptions) {
  const maxResults = options.maxResults ?? 4_000;
  const concurrency = options.concurrency ?? 2;
  const now = options.now ?? (() => new Date());
  const log = options.logger.child({ component: 'ingest' });
  let queue: Pending[] = [];
  /** Agents with a batch in a transaction now. */
  const busy = new Set<number>();
  let inFlight = 0;
  /** Results queued or in a transaction. */
  let pendingResults = 0;
  let idle: (() => void) | undefined;

  /** The next group: queued batches in order, skipping busy agents and keeping each agent once. */
  const take = (): Pending[] => {
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const inGroup = new Set<number>();
    let results = 0;
    for (const item of queue) {
      if (item.dropped()) {
        pendingResults -= item.results.length;
        item.reject(new Error('the stream failed before its batch was stored'));
        continue;
      }
      const id = item.agent.id;
      const fits = group.length === 0 || results + item.results.length <= maxResults;
      if (busy.has(id) || inGroup.has(id) || !fits) rest.push(item);
      else {
        group.push(item);
        inGroup.add(id);
        results += item.results.length;
      }
    }
    queue = rest;
    return group;
  };

  const pump = () => {
    while (inFlight < concurrency && queue.length > 0) {
      const group = take();
      if (group.length === 0) return;
      for (const item of group) busy.add(item.agent.id);
      inFlight++;
      void commit(group).finally(() => {
        for (const item of group) busy.delete(item.agent.id);
        inFlight--;
        pump();
        if (inFlight === 0 && queue.length === 0) idle?.();
      });
    }
  };

  const commit = async (group: Pending[]) => {
    const settled = () => {
      for (const item of group) pendingResults -= item.results.length;
    };
    try {
      const outcomes = await withRetry(() =>
        options.store.transaction((tx) => ingestGroup(tx, group, options.policy(), now())),
      );
      settled();
      if (outcomes.some((o) => o.events > 0)) options.onEvents();
      group.forEach((item, i) => item.resolve(outcomes[i]!));
    } catch (err) {
      if (group.length > 1 && isDataError(err)) {
        // One batch PostgreSQL refuses must not fail the streams it happened to share a commit with.
        log.warn({ err, batches: group.length }, 'group commit refused; committing its batches one by one');
        for (const item of group) await commit([item]);
        return;
      }
      settled();
      for (const item of group) item.reject(err);
    }
  };

  return {
    /** Resolves once the batch is committed (or rejects: then nothing of it was). */
    submit(batch: IngestBatch, dropped: () => boolean = () => false): Promise<IngestOutcome> {
      return new Promise((resolve, reject) => {
        queue.push({ ...batch, resolve, reject, dropped });
        pendingResults += batch.results.length;
        pump();
      });
    },

    /** Results waiting for a transaction or in one. */
    get pending(): number {
      return pendingResults;
    },

    /** Resolves once nothing is queued or committing. */
    drained(): Promise<void> {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const previous = idle;
        idle = () => {
          idle = undefined;
          previous?.();
          resolve();
        };
      });
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;

/** SQLSTATEs worth one more try: the transaction lost a race, nothing is wrong with its data. */
const RETRYABLE = new Set(['40001', '40P01']);

async function withRetry<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has(sqlState(err))) throw err;
    }
  }
}

/** Classes 22 (data exception) and 23 (integrity constraint): the rows, not the database. */
function isDataError(err: unknown): boolean {
  return /^2[23]/.test(sqlState(err));
}

function sqlState(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
