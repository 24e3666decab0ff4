import type { Logger } from '@portwarden/common/logger';
import type { OutboxSink, RoutedEvent } from './sink.js';

/** What the relay needs from storage. The PostgreSQL version is store/outbox.ts. */
export interface RelayStore {
  /**
   * In one transaction: takes up to `limit` pending events in id order that no other relay holds,
   * hands them to `handOn` at once, each with the number of channels its alert group has in the
   * event's policy revision, and marks them relayed; a throw leaves them pending.
   */
  relayPending(limit: number, handOn: (events: RoutedEvent[]) => Promise<void>): Promise<number>;
}

export interface RelayOptions {
  store: RelayStore;
  sink: OutboxSink;
  logger: Logger;
  /** How often to look for pending rows when nobody calls `wake()`. @default 1000 */
  pollIntervalMs?: number;
  /** Rows per transaction; a full batch is followed by the next one at once. @default 100 */
  batchSize?: number;
  /** Longest wait between two passes while the sink or the database fails. @default 30000 */
  maxBackoffMs?: number;
}

export interface Relay {
  /** Starts the loop; a second call does nothing. */
  start(): void;
  /** Ends the loop after the pass in progress, if any. */
  stop(): Promise<void>;
  /** Runs a pass now instead of at the next poll (ingest calls it after a commit). Ignored during backoff. */
  wake(): void;
}

type Settings = Required<Omit<RelayOptions, 'logger'>>;

function relaySettings(options: RelayOptions): Settings {
  return {
    store: options.store,
    sink: options.sink,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    batchSize: options.batchSize ?? 100,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
  };
}

/**
 * Moves outbox rows to the sink. Each pass takes pending rows in id order, enqueues them and marks
 * them relayed in the same transaction, so replicas never take the same row, and a crash between enqueue and commit only re-enqueues an event that the sink
 * dedups by outbox id. When the sink fails the transaction rolls back: rows stay pending, one
 * warning is logged per outage, and passes back off exponentially up to `maxBackoffMs`.
 */
export function createRelay(options: RelayOptions): Relay {
  const settings = relaySettings(options);
  const logger = options.logger.child({ component: 'relay' });
  const outage = { failures: 0, since: 0 };
  let running = false;
  let loop: Promise<void> | undefined;
  let sleeper: { wakeable: boolean; end(): void } | undefined;
  let woken = false;

  async function pass(): Promise<number> {
    try {
      const count = await settings.store.relayPending(settings.batchSize, (events) =>
        settings.sink.enqueue(events),
      );
      if (outage.failures > 0) {
        logger.info({ failures: outage.failures, downForMs: Date.now() - outage.since }, 'relay recovered');
        outage.failures = 0;
      }
      return count === settings.batchSize ? 0 : settings.pollIntervalMs;
    } catch (err) {
      outage.failures += 1;
      if (outage.failures === 1) {
        outage.since = Date.now();
        logger.warn({ err }, 'relay cannot hand events on; they stay pending and are retried with backoff');
      } else {
        logger.debug({ err, failures: outage.failures }, 'relay still failing');
      }
      return Math.min(settings.maxBackoffMs, settings.pollIntervalMs * 2 ** (outage.failures - 1));
    }
  }

  function sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      sleeper = { wakeable, end };
    });
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      const waitMs = await pass();
      const healthy = outage.failures === 0;
      if (running && waitMs > 0 && !(woken && healthy)) await sleep(waitMs, healthy);
    }
  }

  return {
    start() {
      if (loop) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      sleeper?.end();
      await loop;
      loop = undefined;
    },
    wake() {
      woken = true;
      if (sleeper?.wakeable) sleeper.end();
    },
  };
}
