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

/** One agent's part of a group: its waiting batches, as one. */
interface Entry extends IngestBatch {
  items: Pending[];
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
 * with every batch of it that waited, so its results are decided in the order its stream sent them.
 */
export function createGroupCommit(options: GroupCommitOptions) {
  const maxResults = options.maxResults ?? 4_000;
  const concurrency = options.concurrency ?? 2;
  const now = options.now ?? (() => new Date());
  const log = options.logger.child({ component: 'ingest' });
  /** Batches waiting, per agent in the order they came; agents in the order they first waited. */
  const queues = new Map<number, Pending[]>();
  /** Agents with a batch in a transaction now. */
  const busy = new Set<number>();
  let inFlight = 0;
  /** Results queued or in a transaction. */
  let pendingResults = 0;
  let idle: (() => void) | undefined;
  /** Stopping: batches not yet in a transaction are refused, not started. */
  let closing = false;

  /**
   * The next group: every waiting batch of each agent not in a transaction, oldest agents first,
   * until the group is full. An agent's batches go in together, as one batch in their order.
   */
  const take = (): Entry[] => {
    const group: Entry[] = [];
    let results = 0;
    for (const [agentId, waiting] of queues) {
      if (busy.has(agentId) && !closing) continue;
      const items = waiting.filter((item) => {
        if (!closing && !item.dropped()) return true;
        pendingResults -= item.results.length;
        item.reject(
          closing ? new StoppingError() : new Error('the stream failed before its batch was stored'),
        );
        return false;
      });
      const count = items.reduce((n, item) => n + item.results.length, 0);
      if (group.length > 0 && results + count > maxResults) break;
      queues.delete(agentId);
      if (items.length === 0) continue;
      group.push({ agent: items[0]!.agent, results: items.flatMap((item) => item.results), items });
      results += count;
    }
    return group;
  };

  const pump = () => {
    if (closing) take(); // refuses everything that waits
    while (inFlight < concurrency && queues.size > 0) {
      const group = take();
      if (group.length === 0) break;
      for (const entry of group) busy.add(entry.agent.id);
      inFlight++;
      void commit(group).finally(() => {
        for (const entry of group) busy.delete(entry.agent.id);
        inFlight--;
        pump();
      });
    }
    if (inFlight === 0 && queues.size === 0) idle?.();
  };

  const commit = async (group: Entry[]) => {
    const settled = () => {
      for (const entry of group) pendingResults -= entry.results.length;
    };
    try {
      // Before the transaction begins: incidents are then never older than their outbox rows.
      const receivedAt = now();
      const outcomes = await withRetry(() =>
        options.store.transaction((tx) => ingestGroup(tx, group, options.policy(), receivedAt)),
      );
      settled();
      if (outcomes.some((o) => o.events > 0)) options.onEvents();
      group.forEach((entry, i) => entry.items.forEach((item) => item.resolve(outcomes[i]!)));
    } catch (err) {
      if (group.length > 1 && isDataError(err)) {
        // One batch PostgreSQL refuses must not fail the streams it happened to share a commit with.
        log.warn({ err, batches: group.length }, 'group commit refused; committing its batches one by one');
        for (const entry of group) await commit([entry]);
        return;
      }
      settled();
      for (const entry of group) for (const item of entry.items) item.reject(err);
    }
  };

  return {
    /**
     * Resolves once the batch is committed (or rejects: then nothing of it was). Batches of one
     * agent that waited together commit as one, and each gets the outcome of their union.
     */
    submit(batch: IngestBatch, dropped: () => boolean = () => false): Promise<IngestOutcome> {
      return new Promise((resolve, reject) => {
        const waiting = queues.get(batch.agent.id);
        const item = { ...batch, resolve, reject, dropped };
        if (waiting) waiting.push(item);
        else queues.set(batch.agent.id, [item]);
        pendingResults += batch.results.length;
        pump();
      });
    },

    /** Results waiting for a transaction or in one. */
    get pending(): number {
      return pendingResults;
    },

    /**
     * Stopping: what waits is refused (StoppingError; never acknowledged, the agents resend it),
     * what is in a transaction finishes. Resolves once nothing is committing.
     */
    close(): Promise<void> {
      closing = true;
      pump();
      return this.drained();
    },

    /** Resolves once nothing is queued or committing. */
    drained(): Promise<void> {
      if (inFlight === 0 && queues.size === 0) return Promise.resolve();
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

/** A batch that waited while the controller stopped: not stored, not acknowledged. */
export class StoppingError extends Error {
  constructor() {
    super('the controller is stopping; the batch was not stored');
    this.name = 'StoppingError';
  }
}

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
