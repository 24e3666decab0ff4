import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsCounts } from '../store/metrics-counts.js';
import type { IngestMetrics, MetricsSources } from './types.js';

/** A scrape gives PostgreSQL this long; then it reports what it has and `portwarden_database_scrape_up 0`. */
export const DATABASE_SCRAPE_TIMEOUT_MS = 2_000;

/**
 * From a batch's arrival to its ack: a commit takes milliseconds; seconds mean PostgreSQL is
 * struggling and agents' spools are filling.
 */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface ControllerMetrics {
  ingest: IngestMetrics;
  /** The text exposition of every metric, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * One registry per controller (tests run several in one process; prom-client's global registry
 * would mix them), merged with the process's at each scrape. Counters move as things happen; the
 * rest is read at each scrape.
 */
export function createControllerMetrics(
  sources: MetricsSources,
  timeoutMs = DATABASE_SCRAPE_TIMEOUT_MS,
): ControllerMetrics {
  const registry = new Registry();
  const registers = [registry];

  const results = new Counter({
    name: 'portwarden_results_ingested_total',
    help: 'Probe results stored from agent streams.',
    registers,
  });
  const batches = new Counter({
    name: 'portwarden_result_batches_total',
    help: 'Result batches stored and acknowledged.',
    registers,
  });
  const ackLatency = new Histogram({
    name: 'portwarden_ack_latency_seconds',
    help: "Time from a result batch's arrival to its acknowledgement.",
    buckets: ACK_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'portwarden_agents_connected',
    help: 'Agent streams open on this controller.',
    registers,
    collect() {
      this.set(sources.agentsConnected());
    },
  });
  new Gauge({
    name: 'portwarden_dependency_ready',
    help: 'Whether a dependency answered the last readiness probe (1) or not (0).',
    labelNames: ['dependency'],
    registers,
    collect() {
      const { checks } = sources.readiness();
      this.reset();
      this.set({ dependency: 'postgres' }, checks.postgres.ok ? 1 : 0);
      // In-process delivery has no Redis to be ready.
      if (!('skipped' in checks.redis)) this.set({ dependency: 'redis' }, checks.redis.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'portwarden_ready',
    help: 'Whether the controller is ready (/readyz answers 200).',
    registers,
    collect() {
      this.set(sources.readiness().status === 'ready' ? 1 : 0);
    },
  });

  const database = {
    up: new Gauge({
      name: 'portwarden_database_scrape_up',
      help: 'Whether this scrape read the incident, notification and relay figures from PostgreSQL.',
      registers,
    }),
    incidents: new Gauge({
      name: 'portwarden_incidents_open',
      help: 'Open incidents by state (firing, acknowledged) and reason.',
      labelNames: ['state', 'reason'],
      registers,
    }),
    notifications: new Gauge({
      name: 'portwarden_notifications',
      help: 'Rows in the notification log by channel kind and status.',
      labelNames: ['channel_kind', 'status'],
      registers,
    }),
    backlog: new Gauge({
      name: 'portwarden_relay_backlog',
      help: 'Outbox events the relay has not handed to delivery yet.',
      registers,
    }),
    oldest: new Gauge({
      name: 'portwarden_relay_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox event not relayed yet (0 when none).',
      registers,
    }),
  };

  /** One read at a time: scrapes against a database that does not answer do not pile up. */
  let reading: Promise<MetricsCounts> | undefined;
  const readCounts = () => {
    reading ??= sources.counts().finally(() => (reading = undefined));
    return withTimeout(reading, timeoutMs);
  };

  const readDatabase = async () => {
    database.incidents.reset();
    database.notifications.reset();
    try {
      const counts = await readCounts();
      for (const { state, reason, count } of counts.openIncidents)
        database.incidents.set({ state, reason }, count);
      for (const { channelKind, status, count } of counts.notifications)
        database.notifications.set({ channel_kind: channelKind, status }, count);
      database.backlog.set(counts.relay.pending);
      database.oldest.set(counts.relay.oldestSeconds);
      database.up.set(1);
    } catch {
      // Absent rather than a stale or made-up 0: the scrape still answers, with the rest.
      database.backlog.remove({});
      database.oldest.remove({});
      database.up.set(0);
    }
  };

  return {
    ingest: {
      batchAcked(count, seconds) {
        results.inc(count);
        batches.inc();
        ackLatency.observe(seconds);
      },
    },
    async scrape() {
      await readDatabase();
      const all = Registry.merge([registry, processRegistry()]);
      return { contentType: all.contentType, body: await all.metrics() };
    },
  };
}

let processMetrics: Registry | undefined;

/**
 * Node's standard process_* and nodejs_* families, under the names every client library gives
 * them. They are the process's, not one controller's: one registry for every controller in the
 * process (tests run several), made at the first scrape, since its monitors cannot be stopped.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
