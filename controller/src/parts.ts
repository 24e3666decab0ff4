import { status } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { resource, type Part, type Resource } from '@portwarden/common/lifecycle';
import type { Logger } from '@portwarden/common/logger';
import { webRoot } from '@portwarden/web/root';
import type { EnrollmentAccess } from './api/enrollment-routes.js';
import type { HealthSource } from './api/health-routes.js';
import { followCaCertificates, type CaCertificates } from './api/https-from-ca.js';
import { buildApi, type ApiAgents } from './api/server.js';
import { bootstrapToken } from './auth/bootstrap.js';
import { hostAllowance, type HostAllowance } from './auth/hosts.js';
import { openSecurity, type Security } from './enroll/open.js';
import { RateLimiter } from './enroll/rate-limit.js';
import { securityLog, type SecurityLog } from './enroll/security.js';
import { FlowGate } from './grpc/flow-control.js';
import { createGuard } from './grpc/guard.js';
import { startGrpcServer, type GrpcServer } from './grpc/server.js';
import { SessionRegistry, type SessionDeps } from './grpc/session.js';
import type { SessionAgents } from './grpc/session-stores.js';
import { StreamTracker } from './grpc/streams.js';
import { createReadiness, type Readiness } from './health/monitor.js';
import { createRedisProbe } from './health/redis-probe.js';
import { formatHostPort, parseListen } from './listen.js';
import type { LivenessMonitor } from './liveness/monitor.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics/controller-metrics.js';
import { startNotifications, type Notifications } from './notify/notifications.js';
import type { ResolvedOptions, ResolvedTls } from './options.js';
import { createOverrideService, type OverrideService } from './override/service.js';
import { createPolicyService, type PolicyService } from './policy/policy-service.js';
import { createRetentionLoop } from './retention/loop.js';
import { DEFAULT_RETENTION_DAYS } from './retention/setting.js';
import { acknowledgeIncident } from './state/acknowledge.js';
import { createAckStore } from './store/acks.js';
import { createAgentStore } from './store/agents.js';
import { createApiTokenStore } from './store/api-tokens.js';
import { createAuditStore } from './store/audit.js';
import { createCaStore } from './store/ca-store.js';
import { createCheckOverrideStore } from './store/check-overrides.js';
import { createDb, databaseStartError, type Sql } from './store/db.js';
import { createEnrollmentStore } from './store/enrollment.js';
import { createGapStore } from './store/gaps.js';
import { createDeliveryViews } from './store/notification-log.js';
import { createIngestStore } from './store/ingest-store.js';
import { createGroupCommit } from './ingest/group-commit.js';
import { createMetricsCounts } from './store/metrics-counts.js';
import { migrate } from './store/migrate.js';
import { createPartitionStore } from './store/partitions.js';
import { createPolicyStore } from './store/policy-revisions.js';
import { createResponseStore } from './store/responses.js';
import { createSecretStore } from './store/secrets.js';
import { createSilenceStore } from './store/silences.js';
import { deriveSecretsKey } from './ca/sealed-key.js';
import { createViews } from './store/views.js';
import { createSecrets, type Secrets } from './secrets/secrets.js';
import { createTestBroker, type TestBroker, type TestTarget } from './testnow/broker.js';
import { createReplicaBus, type ReplicaBus } from './replicas/bus.js';
import { createConfigFanout } from './replicas/config-fanout.js';
import { createForwardingTests } from './replicas/test-forward.js';
import { createTestAnswerStore } from './store/test-answers.js';

/** What the parts share: made when the controller is created, before anything starts. */
export interface Shared {
  options: ResolvedOptions;
  logger: Logger;
  sql: Sql;
  agents: SessionAgents & ApiAgents & { markStaleDisconnected(): Promise<void> };
  policy: PolicyService;
  /** Checks disabled at run time (`portwarden disable`), on top of the policy. */
  overrides: OverrideService;
  /** Sealed under the CA key secret; without one (no TLS) they cannot be set or opened. */
  secrets: Secrets;
  registry: SessionRegistry;
  /** LISTEN/NOTIFY between replicas (replicas/). */
  replicas: ReplicaBus;
  /** "Test now" for an agent on this replica or, through a NOTIFY, on another. */
  tests: TestBroker & { start(): () => void };
  streams: StreamTracker;
  security: SecurityLog;
}

/** Builds what the parts share; nothing connects or listens yet. */
export function createShared(options: ResolvedOptions): Shared {
  const { logger, limits } = options;
  const sql = createDb({ url: options.databaseUrl, maxConnections: options.dbMaxConnections, logger });
  const registry = new SessionRegistry();
  const secrets = createSecrets(createSecretStore(sql), secretsKey(options));
  const agents = createAgentStore(sql);
  const replicas = createReplicaBus(
    sql,
    logger,
    options.replicaListen === false
      ? {}
      : { listenClient: () => createDb({ url: options.databaseUrl, maxConnections: 1, logger }) },
  );
  return {
    options,
    logger,
    sql,
    agents,
    policy: createPolicyService(createPolicyStore(sql), logger.child({ component: 'policy' }), secrets),
    overrides: createOverrideService(createCheckOverrideStore(sql)),
    secrets,
    registry,
    replicas,
    tests: createForwardingTests({
      local: createTestBroker(testTargets(registry)),
      holds: (agent) => registry.sessions.has(agent),
      connected: (agent) => agents.isConnected(agent),
      bus: replicas,
      answers: createTestAnswerStore(sql),
      logger,
    }),
    streams: new StreamTracker({ perIdentity: limits.streamsPerIdentity, perIp: limits.streamsPerIp }),
    security: securityLog(logger),
  };
}

/** The schema up to date, the policy in force loaded, and no agent shown connected yet. */
export function databasePart({ sql, policy, agents, logger, options }: Shared): Part {
  return {
    name: 'database',
    async start() {
      try {
        await migrate(sql, logger.child({ component: 'migrate' }));
        await policy.load();
        await agents.markStaleDisconnected();
      } catch (err) {
        await sql.end({ timeout: 5 });
        throw databaseStartError(err, options.databaseUrl);
      }
    },
    // In-flight transactions get this long to commit; then they are cut, rolled back, and their
    // agents send the batches again. A PostgreSQL that never answers cannot hold the stop longer.
    stop: () => sql.end({ timeout: 3 }),
  };
}

/**
 * Retention of results (retention/): day partitions made ahead and old days dropped, once before
 * results arrive and then every hour. A run that fails is logged, never stops the start.
 */
export function retentionPart({ sql, logger, options }: Shared): Part {
  const loop = createRetentionLoop({
    store: createPartitionStore(sql),
    settings: { retentionDays: options.resultsRetentionDays ?? DEFAULT_RETENTION_DAYS },
    logger,
    intervalMs: options.retentionIntervalMs,
  });
  return { name: 'retention', start: () => loop.start(), stop: () => loop.stop() };
}

/** The secrets' key, derived once (scrypt) when first needed; undefined without --ca-key-file. */
function secretsKey({ tls }: ResolvedOptions): () => Promise<Buffer | undefined> {
  let key: Promise<Buffer> | undefined;
  return async () => (tls ? (key ??= deriveSecretsKey(tls.secret)) : undefined);
}

/** The CA, the server certificate, enrollment and revocation: only with TLS. */
export function securityPart(shared: Shared, tls: ResolvedTls): Resource<Security> {
  const open = () =>
    openSecurity({
      tls,
      caStore: createCaStore(shared.sql),
      store: createEnrollmentStore(shared.sql),
      registry: shared.registry,
      streams: shared.streams,
      security: shared.security,
      logger: shared.logger,
      revocationSweepMs: shared.options.revocationSweepMs,
      bus: shared.replicas,
    });
  return resource('security', open, (security) => security.stop());
}

/** The HTTP API, listening, and the URL it listens on. */
export interface HttpApi {
  app: FastifyInstance;
  url: string;
}

/**
 * The HTTP API; enrollment, and the CA's server certificate (when the API takes it:
 * safety/http-tls.ts), are asked for at start, once security (if any) has started.
 */
export function apiPart(
  shared: Shared,
  enrollment: () => EnrollmentAccess,
  health: HealthSource,
  caCertificates: () => CaCertificates | undefined = () => undefined,
  metrics?: ControllerMetrics,
): Resource<HttpApi> {
  const { sql, policy, agents, logger, tests, options } = shared;
  const open = async () => {
    const tokens = createApiTokenStore(sql);
    if (options.adminTokenFile) await adminToken(tokens, options.adminTokenFile, logger);
    const audit = createAuditStore(sql);
    const acks = createAckStore(sql);
    const fromCa = options.httpTls ? undefined : caCertificates();
    const tls = options.httpTls ?? fromCa?.current;
    const http = parseListen(options.httpListen, 'HTTP listen address');
    let hosts: HostAllowance | undefined;
    // Asked for by the first request, once the port (maybe 0 in the options) is bound.
    const served = () =>
      (hosts ??= hostAllowance({
        listenHost: http.host,
        port: (app.server.address() as AddressInfo).port,
        ...(options.externalUrl && { externalUrl: options.externalUrl }),
        ...(options.httpAllowedHosts && { allowed: options.httpAllowedHosts }),
      }));
    const app = await buildApi({
      policy,
      policyRevisions: createPolicyStore(sql),
      agents,
      views: createViews(sql),
      logger,
      enrollment: enrollment(),
      gaps: createGapStore(sql),
      notifications: createDeliveryViews(sql),
      responses: { responses: createResponseStore(sql), tests },
      auth: { tokens, audit, hosts: served },
      apiTokens: { tokens, audit },
      secrets: shared.secrets,
      silences: { silences: createSilenceStore(sql) },
      tls,
      health,
      incidents: { acknowledge: (id, ack) => acks.transaction((book) => acknowledgeIncident(book, id, ack)) },
      overrides: shared.overrides,
      ...(metrics && {
        metrics: { scrape: () => metrics.scrape(), tokenless: options.metricsPublic ?? false },
      }),
      webRoot: options.webRoot ?? webRoot,
    });
    if (fromCa) followCaCertificates(app, fromCa);
    await app.listen({ host: http.host, port: http.port });
    const bound = app.server.address() as AddressInfo;
    const scheme = tls ? 'https' : 'http';
    return { app, url: `${scheme}://${formatHostPort(bound.address, bound.port)}` };
  };
  return resource('api', open, ({ app }) => app.close());
}

/** --admin-token-file: the token there, written first if need be, is the bootstrap admin. */
async function adminToken(
  tokens: { upsertBootstrap(hash: Buffer): Promise<void> },
  file: string,
  logger: Logger,
): Promise<void> {
  const { hash, created } = await bootstrapToken(file);
  await tokens.upsertBootstrap(hash);
  logger.info({ file, created }, created ? 'admin token written' : 'admin token read');
}

/** The outbox relay and delivery; links in notifications go to --external-url, or to the HTTP API. */
export function notificationsPart(
  { sql, logger, options, secrets }: Shared,
  httpUrl: () => string,
): Resource<Notifications> {
  const open = () =>
    startNotifications({
      sql,
      logger,
      externalUrl: options.externalUrl ?? httpUrl(),
      redisUrl: options.redisUrl,
      redisPrefix: options.redisPrefix,
      pollMs: options.relayPollMs,
      secrets,
      retry: options.notifyRetry,
    });
  return resource('notifications', open, (notifications) => notifications.stop());
}

/**
 * Listening to the other replicas (replicas/bus.ts), and answering the "test now" requests they
 * forward. Started before the agents' server, so that no notification is missed once agents connect.
 */
export function replicasPart({ replicas, tests }: Shared): Resource<() => void> {
  return resource(
    'replicas',
    async () => {
      const stopTests = tests.start();
      await replicas.start();
      return stopTests;
    },
    async (stopTests) => {
      stopTests();
      await replicas.stop();
    },
  );
}

/**
 * Each new policy revision, and each change of the run-time overrides, made on this replica or on
 * another, goes down every open stream of this one (replicas/config-fanout.ts).
 */
export function policyPushPart({ policy, overrides, registry, replicas, logger, options }: Shared): Part {
  const fanout = createConfigFanout({
    policy,
    overrides,
    sessions: () => registry.sessions.values(),
    bus: replicas,
    logger,
    ...(options.replicaPollMs !== undefined && { pollMs: options.replicaPollMs }),
  });
  return { name: 'policy push', start: () => fanout.start(), stop: () => fanout.stop() };
}

/** What the agent streams report besides what they store. */
export type SessionEvents = Pick<SessionDeps, 'liveness' | 'metrics'> & {
  /** Outbox rows were committed: the relay looks now rather than at its next poll. */
  onEvents(): void;
};

/** This controller's /metrics: its own registry, the streams open here, readiness, and PostgreSQL. */
export function createMetrics({ sql, registry }: Shared, health: HealthSource): ControllerMetrics {
  const counts = createMetricsCounts(sql);
  return createControllerMetrics({
    agentsConnected: () => registry.sessions.size,
    readiness: () => health.report(),
    counts: () => counts.read(),
  });
}

/** How long a stop waits for the batches already read to commit before it ends the streams. */
const DRAIN_MS = 3_000;

/** The agents' gRPC server behind its guard; at stop, open streams are told to come back later. */
export function grpcPart(
  shared: Shared,
  security: () => Security | undefined,
  events: SessionEvents,
): Resource<GrpcServer> {
  const { options, sql, logger, registry, tests } = shared;
  const { limits } = options;
  const grpcLogger = logger.child({ component: 'grpc' });
  const { onEvents, ...sessionEvents } = events;
  const ingest = createGroupCommit({
    store: createIngestStore(sql),
    policy: () => shared.policy.current(),
    logger,
    onEvents,
  });
  const deps: SessionDeps = {
    ...sessionEvents,
    agents: shared.agents,
    ingest,
    flow: new FlowGate(options.flow),
    gaps: createGapStore(sql),
    tests,
    policy: shared.policy,
    overrides: shared.overrides,
    registry,
    logger: grpcLogger,
  };
  const open = () => {
    const tls = security();
    const guard = createGuard({
      ...(tls && { tls: tls.guard }),
      streams: shared.streams,
      enrollLimiter: new RateLimiter(limits.enrollBurst, limits.enrollRefillMs),
      renewLimiter: new RateLimiter(limits.renewBurst, limits.renewRefillMs),
      security: shared.security,
      logger: grpcLogger,
    });
    return startGrpcServer(options.grpcListen, deps, {
      ...(tls && { tls: tls.certificates, enrollment: tls.handlers }),
      interceptors: [guard],
      ...(options.grpcMaxConnectionAgeMs !== undefined && {
        maxConnectionAgeMs: options.grpcMaxConnectionAgeMs,
      }),
      ...(options.grpcMaxConnectionAgeGraceMs !== undefined && {
        maxConnectionAgeGraceMs: options.grpcMaxConnectionAgeGraceMs,
      }),
    });
  };
  const close = async (server: GrpcServer) => {
    // Drain: read no further, let what was read commit, acknowledge it, then end the streams, so
    // a clean stop leaves agents nothing stored-but-unacknowledged to resend or to count dropped.
    registry.drain();
    await Promise.race([ingest.drained(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    // What still waits (an overloaded controller) is refused, never acked: the agents resend it.
    // A transaction still in flight (PostgreSQL slow) finishes after the streams end, unacked.
    const closed = ingest.close();
    for (const session of registry.sessions.values()) {
      session.flushCommitted();
      session.close(status.UNAVAILABLE, 'controller shutting down');
    }
    tests.close();
    await server.stop();
    await closed;
  };
  return resource('grpc', open, close);
}

/**
 * Readiness probes PostgreSQL, Redis and the gRPC server in the background; each flip goes to the
 * gRPC health service. Made before the parts start, so /readyz answers (not ready) meanwhile.
 */
export function createControllerReadiness({ options, sql }: Shared, grpc: () => GrpcServer | undefined) {
  const { redisUrl } = options;
  return createReadiness({
    probes: {
      postgres: () => sql`SELECT 1`,
      ...(redisUrl && { redis: () => createRedisProbe(redisUrl, 1000) }),
      grpcListening: () => grpc() !== undefined,
    },
    onChange: (ready) => grpc()?.setServing(ready),
    evictionAllowed: options.allowRedisEviction,
  });
}

/** Last in the list, so first to stop: not ready before anything else closes. */
export function readinessPart(readiness: Readiness): Part {
  return { name: 'readiness', start: () => readiness.start(), stop: () => readiness.stop() };
}

/** Liveness judges agents once their streams can reach the controller. */
export function livenessPart(liveness: LivenessMonitor): Part {
  return { name: 'liveness', start: () => liveness.start(), stop: () => liveness.stop() };
}

/** "Test now" requests go down the agent's open stream on this replica, if it has one. */
export function testTargets(registry: SessionRegistry) {
  return (name: string): TestTarget | undefined => {
    const session = registry.sessions.get(name);
    return session && { send: (value) => session.send({ body: { $case: 'test', value } }) };
  };
}
