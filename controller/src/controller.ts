import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import { buildApi } from './api/server.js';
import { startGrpcServer, type GrpcServer } from './grpc/server.js';
import { SessionRegistry } from './grpc/session.js';
import { formatHostPort, parseListen } from './listen.js';
import { startNotifications, type Notifications } from './notifications.js';
import { createLivenessMonitor } from './liveness/monitor.js';
import { livenessSettings } from './liveness/settings.js';
import { createPolicyService } from './policy/policy-service.js';
import { createLivenessStore } from './store/liveness-store.js';
import { createAgentStore } from './store/agents.js';
import { createDb } from './store/db.js';
import { createIngestStore } from './store/ingest-store.js';
import { migrate } from './store/migrate.js';
import { createPolicyStore } from './store/policy-revisions.js';
import { createViews } from './store/views.js';
import { status } from '@grpc/grpc-js';
import { openAuthority } from './ca/open.js';
import { checkSecret } from './ca/sealed-key.js';
import { ServerCertificates } from './ca/server-certificates.js';
import type { EnrollmentAccess } from './api/enrollment-routes.js';
import { RateLimiter } from './enroll/rate-limit.js';
import { createRevocation, type Revocation } from './enroll/revocation.js';
import { securityLog } from './enroll/security.js';
import {
  createEnrollmentService,
  EnrollmentDisabledError,
  type EnrollmentService,
} from './enroll/service.js';
import { createGuard } from './grpc/guard.js';
import { DEFAULT_STREAM_LIMITS, StreamTracker } from './grpc/streams.js';
import { createCaStore } from './store/ca-store.js';
import { createEnrollmentStore } from './store/enrollment.js';
import { createGapStore } from './store/gaps.js';
import { createResponseStore } from './store/responses.js';
import { createTestBroker } from './testnow/broker.js';

export interface ControllerOptions {
  /** postgres://… (env DATABASE_URL) */
  databaseUrl: string;
  /** redis://… (env REDIS_URL). Without it, notifications are delivered in-process. */
  redisUrl?: string;
  /** Key prefix for every BullMQ key. @default 'portwarden' */
  redisPrefix?: string;
  /** @default '127.0.0.1:7443' */
  grpcListen?: string;
  /** @default '127.0.0.1:7480' */
  httpListen?: string;
  logger?: Logger;
  /** Pool size. @default 10 (the quick start's embedded PostgreSQL wants 1) */
  dbMaxConnections?: number;
  /** Base URL people open from a notification. @default the HTTP API's own URL */
  externalUrl?: string;
  /** How often agent silence is looked for. @default 5000 */
  livenessIntervalMs?: number;
  /** How often the relay looks for outbox rows it was not woken for. @default 1000 */
  relayPollMs?: number;
  /**
   * Mutual TLS for agents, and enrollment. Without it the gRPC server is plaintext, enrolls no
   * agent, and takes each agent's name from its hello (`--insecure`).
   */
  tls?: ControllerTlsOptions;
  /** Bounds on agent streams and on enrollment and renewal attempts. */
  limits?: Partial<ControllerLimits>;
  /** How often open streams are checked against revocations made on other replicas. @default 5000 */
  revocationSweepMs?: number;
}

export interface ControllerTlsOptions {
  /**
   * The secret the CA's private key is encrypted with in PostgreSQL: the contents of
   * --ca-key-file, or PORTWARDEN_CA_KEY. At least 32 characters. Every replica needs the same one.
   */
  caKey: string;
  /** Host names and IP addresses agents reach the gRPC server by. @default ['localhost', '127.0.0.1', '::1'] */
  names?: string[];
  /** Lifetime of the client certificates agents get; they renew after two thirds. @default 30 days */
  agentCertTtlMs?: number;
}

export interface ControllerLimits {
  /** Concurrent streams per agent identity. @default 4 */
  streamsPerIdentity: number;
  /** Concurrent streams per peer IP address. @default 1024 */
  streamsPerIp: number;
  /** Enroll calls one IP address may make at once... @default 10 */
  enrollBurst: number;
  /** ...and then one per this many milliseconds. @default 6000 */
  enrollRefillMs: number;
  /** Renew calls one agent may make at once... @default 5 */
  renewBurst: number;
  /** ...and then one per this many milliseconds. @default 60000 */
  renewRefillMs: number;
}

export const DEFAULT_TLS_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Fills in the limits' defaults, in one place. */
export function controllerLimits(limits: Partial<ControllerLimits> = {}): ControllerLimits {
  return {
    streamsPerIdentity: limits.streamsPerIdentity ?? DEFAULT_STREAM_LIMITS.perIdentity,
    streamsPerIp: limits.streamsPerIp ?? DEFAULT_STREAM_LIMITS.perIp,
    enrollBurst: limits.enrollBurst ?? 10,
    enrollRefillMs: limits.enrollRefillMs ?? 6_000,
    renewBurst: limits.renewBurst ?? 5,
    renewRefillMs: limits.renewRefillMs ?? 60_000,
  };
}

export interface StartedController {
  /** host:port the gRPC server bound */
  grpcAddress: string;
  /** http://host:port of the HTTP API */
  httpUrl: string;
}

export const DEFAULT_GRPC_LISTEN = '127.0.0.1:7443';
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:7480';

/**
 * The controller as a lifecycle: `start()` migrates, loads the policy and opens the gRPC and HTTP
 * servers; `stop()` closes them in reverse order. Tests run it in-process.
 */
export function createController(options: ControllerOptions) {
  const logger = options.logger ?? silentLogger();
  const sql = createDb({ url: options.databaseUrl, maxConnections: options.dbMaxConnections, logger });
  const agents = createAgentStore(sql);
  const policy = createPolicyService(createPolicyStore(sql), logger.child({ component: 'policy' }));
  const registry = new SessionRegistry();
  const gaps = createGapStore(sql);
  const enrollmentStore = createEnrollmentStore(sql);
  const limits = controllerLimits(options.limits);
  const streams = new StreamTracker({ perIdentity: limits.streamsPerIdentity, perIp: limits.streamsPerIp });
  const security = securityLog(logger);
  // Checked now, so that a short secret fails before anything starts.
  const caSecret = options.tls && checkSecret(options.tls.caKey);
  let enrollment: EnrollmentService | undefined;
  let revocation: Revocation | undefined;
  let certificates: ServerCertificates | undefined;
  const enrollmentAccess: EnrollmentAccess = {
    createToken: async (request) => {
      if (!enrollment) throw new EnrollmentDisabledError();
      return enrollment.createToken(request);
    },
    revoke: async (name) => {
      if (!revocation) throw new EnrollmentDisabledError();
      return revocation.revoke(name);
    },
  };
  const tests = createTestBroker((name) => {
    const session = registry.sessions.get(name);
    return session && { send: (value) => session.send({ body: { $case: 'test', value } }) };
  });
  const responses = { responses: createResponseStore(sql), tests };
  const api = buildApi({
    policy,
    agents,
    views: createViews(sql),
    logger,
    enrollment: enrollmentAccess,
    gaps,
    responses,
  });
  const liveness = createLivenessMonitor({
    store: createLivenessStore(sql),
    logger,
    settings: () => livenessSettings(policy.current()?.policy),
    onEvents: () => notifications?.wake(),
    intervalMs: options.livenessIntervalMs,
  });
  let grpc: GrpcServer | undefined;
  let notifications: Notifications | undefined;
  let unsubscribe: (() => void) | undefined;

  return {
    async start(): Promise<StartedController> {
      await migrate(sql, logger.child({ component: 'migrate' }));
      await policy.load();
      await agents.markAllDisconnected();
      const http = parseListen(options.httpListen ?? DEFAULT_HTTP_LISTEN, 'HTTP listen address');
      await api.listen({ host: http.host, port: http.port });
      const bound = api.server.address() as AddressInfo;
      const httpUrl = `http://${formatHostPort(bound.address, bound.port)}`;
      notifications = startNotifications({
        sql,
        logger,
        externalUrl: options.externalUrl ?? httpUrl,
        redisUrl: options.redisUrl,
        redisPrefix: options.redisPrefix,
        pollMs: options.relayPollMs,
      });
      unsubscribe = policy.onChange(() => {
        for (const session of registry.sessions.values()) session.pushConfig(policy);
      });
      if (options.tls && caSecret) {
        const authority = await openAuthority(
          createCaStore(sql),
          caSecret,
          logger.child({ component: 'ca' }),
        );
        certificates = new ServerCertificates(
          authority,
          options.tls.names ?? DEFAULT_TLS_NAMES,
          logger.child({ component: 'ca' }),
        );
        await certificates.start();
        enrollment = createEnrollmentService({
          authority,
          store: enrollmentStore,
          security,
          logger,
          agentCertTtlMs: options.tls.agentCertTtlMs,
        });
        revocation = createRevocation({
          store: enrollmentStore,
          registry,
          streams,
          logger,
          sweepMs: options.revocationSweepMs,
        });
        revocation.start();
      }
      const guard = createGuard({
        ...(enrollment && { tls: { store: enrollmentStore, caFingerprint: enrollment.caFingerprint } }),
        streams,
        enrollLimiter: new RateLimiter(limits.enrollBurst, limits.enrollRefillMs),
        renewLimiter: new RateLimiter(limits.renewBurst, limits.renewRefillMs),
        security,
        logger: logger.child({ component: 'grpc' }),
      });
      grpc = await startGrpcServer(
        options.grpcListen ?? DEFAULT_GRPC_LISTEN,
        {
          agents,
          ingest: createIngestStore(sql),
          gaps,
          tests,
          policy,
          registry,
          logger: logger.child({ component: 'grpc' }),
          onEvents: () => notifications?.wake(),
          liveness,
        },
        {
          ...(certificates && { tls: certificates }),
          interceptors: [guard],
          ...(enrollment && { enrollment: { enroll: enrollment.enroll, renew: enrollment.renew } }),
        },
      );
      liveness.start();
      const started = { grpcAddress: grpc.address, httpUrl };
      logger.info(started, 'controller started');
      return started;
    },

    async stop(): Promise<void> {
      unsubscribe?.();
      for (const session of registry.sessions.values())
        session.close(status.UNAVAILABLE, 'controller shutting down');
      tests.close();
      await liveness.stop();
      await revocation?.stop();
      await grpc?.stop();
      certificates?.stop();
      await notifications?.stop();
      await api.close();
      await sql.end({ timeout: 5 });
      logger.info('controller stopped');
    },

    applyPolicy(source: string) {
      return policy.apply(source);
    },

    /** The revision in force, 0 before the first apply. */
    currentRevision(): number {
      return policy.current()?.revision ?? 0;
    },
  };
}

export type Controller = ReturnType<typeof createController>;
