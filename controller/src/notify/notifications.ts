import type { Logger } from '@portwarden/common/logger';
import { createDeliver, dedupGate, eventHoldGate } from './deliver.js';
import type { SecretResolver } from './secrets.js';
import { createInProcessSink } from './inprocess.js';
import { createPgNotificationLog } from '../store/notification-log.js';
import { createNotifyWorker, createQueueSink, type DeliveryJobs } from './queue.js';
import type { RetryPolicy } from './retry.js';
import { createRelay } from '../outbox/relay.js';
import { createOutboxEvents, createOutboxStore } from '../store/outbox.js';
import { createChannelRoutes } from '../store/policy-revisions.js';
import { silenceGate } from '../silence/gate.js';
import { createCoverSource, createFiringLookup } from '../store/silences.js';
import type { Sql } from '../store/db.js';

export interface NotificationsOptions {
  sql: Sql;
  logger: Logger;
  /** Base URL people open from a notification (the controller's HTTP address by default). */
  externalUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  pollMs?: number;
  /** Opens the secrets channels refer to. */
  secrets?: SecretResolver;
  /** Attempts and delays of each delivery. @default DEFAULT_RETRY_POLICY (retry.ts) */
  retry?: Partial<RetryPolicy>;
}

export interface Notifications {
  /** Ingest committed outbox rows: relay them now rather than at the next poll. */
  wake(): void;
  /** The BullMQ jobs, for the reconciler; absent in-process (no Redis to lose them). */
  jobs: DeliveryJobs | undefined;
  stop(): Promise<void>;
}

/** Outbox relay plus delivery: through BullMQ on Redis when a URL is given, in-process otherwise. */
export function startNotifications(options: NotificationsOptions): Notifications {
  const { sql, redisUrl, redisPrefix: prefix } = options;
  // Each notify module names its own component; they all take the parent logger.
  const logger = options.logger;
  const routes = createChannelRoutes(sql);
  const log = createPgNotificationLog(sql);
  const deliver = createDeliver({
    log,
    routes,
    gates: [
      dedupGate(log),
      eventHoldGate,
      silenceGate({ covers: createCoverSource(sql), firings: createFiringLookup(sql) }),
    ],
    externalUrl: options.externalUrl,
    logger,
    ...(options.secrets && { secrets: options.secrets }),
  });
  const { retry } = options;
  const queue = redisUrl ? createQueueSink({ redisUrl, prefix, logger, retry }) : undefined;
  const sink = queue ?? createInProcessSink({ deliver, logger, retry });
  const events = createOutboxEvents(sql);
  const worker = redisUrl ? createNotifyWorker({ redisUrl, prefix, deliver, events, logger }) : undefined;
  const relay = createRelay({
    store: createOutboxStore(sql),
    sink,
    logger,
    pollIntervalMs: options.pollMs,
  });
  relay.start();
  logger.info({ component: 'notify', mode: redisUrl ? 'bullmq' : 'in-process' }, 'notifications started');
  return {
    wake: () => relay.wake(),
    jobs: queue?.jobs,
    async stop() {
      await relay.stop();
      await worker?.close();
      await sink.close();
    },
  };
}
