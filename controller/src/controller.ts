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
  const api = buildApi({ policy, agents, views: createViews(sql), logger });
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
      grpc = await startGrpcServer(options.grpcListen ?? DEFAULT_GRPC_LISTEN, {
        agents,
        ingest: createIngestStore(sql),
        policy,
        registry,
        logger: logger.child({ component: 'grpc' }),
        onEvents: () => notifications?.wake(),
        onHeard: (agentId) => liveness.heard(agentId),
      });
      liveness.start();
      const started = { grpcAddress: grpc.address, httpUrl };
      logger.info(started, 'controller started');
      return started;
    },

    async stop(): Promise<void> {
      unsubscribe?.();
      for (const session of registry.sessions.values())
        session.close(status.UNAVAILABLE, 'controller shutting down');
      await liveness.stop();
      await grpc?.stop();
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
