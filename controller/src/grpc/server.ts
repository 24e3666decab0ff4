import {
  experimental,
  Server,
  ServerCredentials,
  status,
  type ServerInterceptor,
  type ServerOptions,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@portwarden/common/errors';
import { AgentServiceService, type AgentServiceServer } from '@portwarden/proto/agent/v1';
import type { ServerCertificates } from '../ca/server-certificates.js';
import { tolerant } from './decode.js';
import { runSession, type SessionDeps } from './session.js';

const SERVICE_NAME = 'portwarden.agent.v1.AgentService';

/** Channel options, each with its reason. */
const SERVER_OPTIONS: ServerOptions = {
  // Bounded frames: a result batch of 1000 results with full details stays well under this.
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  // Agents ping every 10 s to notice dead links; allow it even on a quiet stream.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  // The controller pings too: a ping every 15 s, unanswered for 10 s, closes the connection, so
  // a silently vanished agent's stream is released within 25 s.
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

/**
 * Agents' connections are closed after this long (grpc-js adds ±10 % jitter), so that they spread
 * over the replicas again once one returns: a stream lives as long as its agent otherwise.
 */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 30 * 60_000;
/**
 * After the GOAWAY the stream goes on this long, then the connection is cut: long enough for a
 * batch in flight to commit and be acknowledged; the agent resends whatever was not, and the
 * controller stores each (agent, seq) once.
 */
export const DEFAULT_MAX_CONNECTION_AGE_GRACE_MS = 10_000;

export interface GrpcServerOptions {
  /**
   * TLS: the server certificate, and the CA client certificates must chain to. Clients are asked
   * for a certificate but not required to send one at the handshake (Enroll has none yet): the
   * guard refuses Connect and Renew without a verified one. Undefined: plaintext (--insecure).
   */
  tls?: ServerCertificates;
  /** The guard (grpc/guard.ts), run before any handler. */
  interceptors: ServerInterceptor[];
  /** Enroll and Renew; without TLS, the guard refuses both before they run. */
  enrollment?: Pick<AgentServiceServer, 'enroll' | 'renew'>;
  /** @default DEFAULT_MAX_CONNECTION_AGE_MS */
  maxConnectionAgeMs?: number;
  /** @default DEFAULT_MAX_CONNECTION_AGE_GRACE_MS */
  maxConnectionAgeGraceMs?: number;
}

export interface GrpcServer {
  /** host:port actually bound */
  address: string;
  /** What the gRPC health service answers: SERVING only while the controller is ready. */
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

export async function startGrpcServer(
  listen: string,
  deps: SessionDeps,
  options: GrpcServerOptions,
): Promise<GrpcServer> {
  const server = new Server({
    ...SERVER_OPTIONS,
    'grpc.max_connection_age_ms': options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS,
    'grpc.max_connection_age_grace_ms':
      options.maxConnectionAgeGraceMs ?? DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
    interceptors: options.interceptors,
  });
  const impl: AgentServiceServer = {
    connect: (call) => runSession(call, deps),
    ...(options.enrollment ?? NO_ENROLLMENT),
  };
  server.addService(tolerant(AgentServiceService), impl);
  // NOT_SERVING until readiness (health/monitor.ts) says otherwise.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  const setServing = (serving: boolean) => {
    for (const name of ['', SERVICE_NAME]) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  };
  health.addToServer(server);
  const protoPath = fileURLToPath(import.meta.resolve('@portwarden/proto/agent/v1/agent.proto'));
  new ReflectionService(loadSync(protoPath)).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, serverCredentials(options.tls), (err, bound) =>
      err
        ? reject(
            new ConfigError(
              `cannot listen for agents on ${listen}: ${err.message}`,
              'choose a free address with --grpc-listen (another controller may be running)',
              { cause: err },
            ),
          )
        : resolve(bound),
    ),
  );
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    setServing,
    async stop() {
      setServing(false);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** Both provider arguments are the one object: it serves the CA and the server identity alike. */
function serverCredentials(tls: ServerCertificates | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return experimental.createCertificateProviderServerCredentials(tls, tls, false);
}

const NO_ENROLLMENT: Pick<AgentServiceServer, 'enroll' | 'renew'> = {
  enroll: (_call, callback) => callback({ code: status.UNIMPLEMENTED, details: 'enrollment is off' }),
  renew: (_call, callback) => callback({ code: status.UNIMPLEMENTED, details: 'enrollment is off' }),
};
