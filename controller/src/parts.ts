import { status } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@portwarden/common/logger';
import type { EnrollmentAccess } from './api/enrollment-routes.js';
import { buildApi, type ApiAgents } from './api/server.js';
import { openSecurity, type Security } from './enroll/open.js';
import { RateLimiter } from './enroll/rate-limit.js';
import { securityLog, type SecurityLog } from './enroll/security.js';
import { createGuard } from './grpc/guard.js';
import { startGrpcServer, type GrpcServer } from './grpc/server.js';
import { SessionRegistry, type SessionDeps } from './grpc/session.js';
import type { SessionAgents } from './grpc/session-stores.js';
import { StreamTracker } from './grpc/streams.js';
import type { Part } from './lifecycle.js';
import { formatHostPort, parseListen } from './listen.js';
import type { LivenessMonitor } from './liveness/monitor.js';
import { startNotifications, type Notifications } from './notify/notifications.js';
import type { ResolvedOptions, ResolvedTls } from './options.js';
import { createPolicyService, type PolicyService } from './policy/policy-service.js';
import { createAgentStore } from './store/agents.js';
import { createCaStore } from './store/ca-store.js';
import { createDb, type Sql } from './store/db.js';
import { createEnrollmentStore } from './store/enrollment.js';
import { createGapStore } from './store/gaps.js';
import { createIngestStore } from './store/ingest-store.js';
import { migrate } from './store/migrate.js';
import { createPolicyStore } from './store/policy-revisions.js';
import { createResponseStore } from './store/responses.js';
import { createViews } from './store/views.js';
import { createTestBroker, type TestBroker, type TestTarget } from './testnow/broker.js';

/** What the parts share: made when the controller is created, before anything starts. */
export interface Shared {
  options: ResolvedOptions;
  logger: Logger;
  sql: Sql;
  agents: SessionAgents & ApiAgents & { markAllDisconnected(): Promise<void> };
  policy: PolicyService;
  registry: SessionRegistry;
  tests: TestBroker;
  streams: StreamTracker;
  security: SecurityLog;
}

/** Builds what the parts share; nothing connects or listens yet. */
export function createShared(options: ResolvedOptions): Shared {
  const { logger, limits } = options;
  const sql = createDb({ url: options.databaseUrl, maxConnections: options.dbMaxConnections, logger });
  const registry = new SessionRegistry();
  return {
    options,
    logger,
    sql,
    agents: createAgentStore(sql),
    policy: createPolicyService(createPolicyStore(sql), logger.child({ component: 'policy' })),
    registry,
    tests: createTestBroker(testTargets(registry)),
    streams: new StreamTracker({ perIdentity: limits.streamsPerIdentity, perIp: limits.streamsPerIp }),
    security: securityLog(logger),
  };
}

/** The schema up to date, the policy in force loaded, and no agent shown connected yet. */
export function databasePart({ sql, policy, agents, logger }: Shared): Part {
  return {
    name: 'database',
    async start() {
      try {
        await migrate(sql, logger.child({ component: 'migrate' }));
        await policy.load();
        await agents.markAllDisconnected();
      } catch (err) {
        await sql.end({ timeout: 5 });
        throw err;
      }
    },
    stop: () => sql.end({ timeout: 5 }),
  };
}

/** The CA, the server certificate, enrollment and revocation: only with TLS. */
export function securityPart(shared: Shared, tls: ResolvedTls): Part<Security> {
  const store = createEnrollmentStore(shared.sql);
  return {
    name: 'security',
    start: () =>
      openSecurity({
        tls,
        caStore: createCaStore(shared.sql),
        store,
        registry: shared.registry,
        streams: shared.streams,
        security: shared.security,
        logger: shared.logger,
        revocationSweepMs: shared.options.revocationSweepMs,
      }),
    stop: (security) => security.stop(),
  };
}

/** The HTTP API; its start returns the URL it listens on. */
export function apiPart(shared: Shared, enrollment: EnrollmentAccess): Part<string> {
  const { sql, policy, agents, logger, tests } = shared;
  const api = buildApi({
    policy,
    agents,
    views: createViews(sql),
    logger,
    enrollment,
    gaps: createGapStore(sql),
    responses: { responses: createResponseStore(sql), tests },
  });
  return {
    name: 'api',
    async start() {
      const http = parseListen(shared.options.httpListen, 'HTTP listen address');
      await api.listen({ host: http.host, port: http.port });
      const bound = api.server.address() as AddressInfo;
      return `http://${formatHostPort(bound.address, bound.port)}`;
    },
    stop: () => api.close(),
  };
}

/** The outbox relay and delivery; links in notifications go to --external-url, or to the HTTP API. */
export function notificationsPart({ sql, logger, options }: Shared, httpUrl: string): Part<Notifications> {
  return {
    name: 'notifications',
    start: () =>
      startNotifications({
        sql,
        logger,
        externalUrl: options.externalUrl ?? httpUrl,
        redisUrl: options.redisUrl,
        redisPrefix: options.redisPrefix,
        pollMs: options.relayPollMs,
      }),
    stop: (notifications) => notifications.stop(),
  };
}

/** Each new policy revision goes down every open stream. */
export function policyPushPart({ policy, registry }: Shared): Part<() => void> {
  return {
    name: 'policy push',
    start: () =>
      policy.onChange(() => {
        for (const session of registry.sessions.values()) session.pushConfig(policy);
      }),
    stop: (unsubscribe) => unsubscribe(),
  };
}

/** What the agent streams report besides what they store. */
export type SessionEvents = Pick<SessionDeps, 'onEvents' | 'liveness'>;

/** The agents' gRPC server behind its guard; at stop, open streams are told to come back later. */
export function grpcPart(
  shared: Shared,
  security: Security | undefined,
  events: SessionEvents,
): Part<GrpcServer> {
  const { options, sql, logger, registry, tests } = shared;
  const { limits } = options;
  const grpcLogger = logger.child({ component: 'grpc' });
  const guard = createGuard({
    ...(security && { tls: security.guard }),
    streams: shared.streams,
    enrollLimiter: new RateLimiter(limits.enrollBurst, limits.enrollRefillMs),
    renewLimiter: new RateLimiter(limits.renewBurst, limits.renewRefillMs),
    security: shared.security,
    logger: grpcLogger,
  });
  const deps: SessionDeps = {
    ...events,
    agents: shared.agents,
    ingest: createIngestStore(sql),
    gaps: createGapStore(sql),
    tests,
    policy: shared.policy,
    registry,
    logger: grpcLogger,
  };
  return {
    name: 'grpc',
    start: () =>
      startGrpcServer(options.grpcListen, deps, {
        ...(security && { tls: security.certificates, enrollment: security.handlers }),
        interceptors: [guard],
      }),
    async stop(server) {
      for (const session of registry.sessions.values())
        session.close(status.UNAVAILABLE, 'controller shutting down');
      tests.close();
      await server.stop();
    },
  };
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
