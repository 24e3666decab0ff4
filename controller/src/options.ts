import { ConfigError } from '@portwarden/common/errors';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import { checkSecret } from './ca/sealed-key.js';
import { DEFAULT_AGENT_CERT_TTL_MS } from './enroll/service.js';
import type { FlowLimits } from './grpc/flow-control.js';
import { DEFAULT_PREFIX } from './notify/queue.js';
import type { RetryPolicy } from './notify/retry.js';

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
  /** @default a logger that writes nothing */
  logger?: Logger;
  /** Pool size. @default 10 (store/db.ts; the quick start's embedded PostgreSQL wants 1) */
  dbMaxConnections?: number;
  /** Base URL people open from a notification. @default the HTTP API's own URL, once bound */
  externalUrl?: string;
  /** The built web UI served at `/`. @default web/dist of @portwarden/web; without a build, the API alone */
  webRoot?: string;
  /** How often agent silence is looked for. @default 5000 (liveness/monitor.ts) */
  livenessIntervalMs?: number;
  /** How often repeats, escalations and silence releases are looked for. @default 5000 (followup/loop.ts) */
  followupIntervalMs?: number;
  /** How often the relay looks for outbox rows it was not woken for. @default 1000 (outbox/relay.ts) */
  relayPollMs?: number;
  /** Attempts and delays of each notification. @default 8 attempts, 1 s doubling to 5 min (notify/retry.ts) */
  notifyRetry?: Partial<RetryPolicy>;
  /** How long after relaying a delivery's job may be missing before it is added again. @default 30000 (followup/reconcile.ts) */
  reconcileGraceMs?: number;
  /**
   * Mutual TLS for agents, and enrollment. Without it the gRPC server is plaintext, enrolls no
   * agent, and takes each agent's name from its hello (`--insecure`).
   */
  tls?: ControllerTlsOptions;
  /** What the controller reads from agents ahead of committing it (grpc/flow-control.ts). @default 16 messages a stream, 16000 results in all */
  flow?: FlowLimits;
  /** Bounds on agent streams and on enrollment and renewal attempts. */
  limits?: Partial<ControllerLimits>;
  /**
   * The bootstrap admin API token: created in this file (mode 0600) when it does not exist, and
   * accepted as admin when it does (auth/bootstrap.ts). @default none
   */
  adminTokenFile?: string;
  /** More Host header values the HTTP API answers (`name` or `name:port`), as it sits behind a proxy. @default none */
  httpAllowedHosts?: string[];
  /** How often open streams are checked against revocations made on other replicas. @default 5000 (enroll/revocation.ts) */
  revocationSweepMs?: number;
  /**
   * How often the policy in force and the overrides are read again, in case a replica's NOTIFY was
   * missed (replicas/config-fanout.ts). @default 30000
   */
  replicaPollMs?: number;
  /**
   * LISTEN for the other replicas' notifications, on a connection of its own. Off only where there
   * is one replica and one connection (the quick start's embedded PostgreSQL). @default true
   */
  replicaListen?: boolean;
  /**
   * An agent's gRPC connection is closed (GOAWAY) after this long, ±10 % (grpc-js's jitter), so
   * that agents spread again over the replicas behind a load balancer once one returns; the agent
   * reconnects at once and resends what was not acknowledged. @default 1800000 (30 min)
   */
  grpcMaxConnectionAgeMs?: number;
  /** After the GOAWAY, batches in flight get this long before the connection is cut. @default 10000 */
  grpcMaxConnectionAgeGraceMs?: number;
  /**
   * The HTTP API speaks HTTPS with this certificate and key. Without it, beyond loopback, the API
   * speaks HTTPS with a certificate from the controller CA (safety/http-tls.ts). @default none
   */
  httpTls?: HttpTlsOptions;
  /**
   * Without httpTls, the HTTP API speaks HTTPS with a certificate from the controller's own CA for
   * the names in tls.names (the gRPC server's certificate, renewed with it) on loopback too, and
   * beyond loopback even with httpInsecurePublic. Beyond loopback a controller with tls does so
   * without this option (safety/http-tls.ts). Needs tls. @default false
   */
  httpTlsFromCa?: boolean;
  /**
   * Serve the plaintext HTTP API beyond loopback: without tls it is refused at start otherwise
   * (safety/), with tls the API would speak HTTPS from the CA. @default false
   */
  httpInsecurePublic?: boolean;
  /** Start on a Redis whose maxmemory-policy is not noeviction; refused at start otherwise. @default false */
  allowRedisEviction?: boolean;
  /** GET /metrics without a token (--metrics-public); it needs a viewer token otherwise. @default false */
  metricsPublic?: boolean;
  /** Accept sslmode=require, prefer or allow: TLS to PostgreSQL without verifying it; refused at start otherwise. @default false */
  allowUnverifiedDbTls?: boolean;
  /** Results are kept this many days, then dropped a day partition at a time (--results-retention). @default 30 (retention/setting.ts) */
  resultsRetentionDays?: number;
  /** How often retention runs, after its run at start. @default 3600000 (retention/loop.ts) */
  retentionIntervalMs?: number;
}

/** The HTTP API's certificate (with its chain) and private key, PEM (--http-tls-cert, --http-tls-key). */
export interface HttpTlsOptions {
  cert: string;
  key: string;
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

export const DEFAULT_GRPC_LISTEN = '127.0.0.1:7443';
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:7480';
export const DEFAULT_TLS_NAMES = ['localhost', '127.0.0.1', '::1'];
export const DEFAULT_LIMITS: Readonly<ControllerLimits> = {
  streamsPerIdentity: 4,
  streamsPerIp: 1024,
  enrollBurst: 10,
  enrollRefillMs: 6_000,
  renewBurst: 5,
  renewRefillMs: 60_000,
};

/** TLS with its defaults, and the CA key secret checked. */
export interface ResolvedTls {
  secret: Buffer;
  names: string[];
  agentCertTtlMs: number;
}

/** The options with the defaults the controller decides filled in; the rest are each module's own. */
export interface ResolvedOptions extends Omit<ControllerOptions, 'tls' | 'limits'> {
  redisPrefix: string;
  grpcListen: string;
  httpListen: string;
  logger: Logger;
  tls?: ResolvedTls;
  limits: ControllerLimits;
}

/**
 * Fills in the defaults, in one place. Throws ConfigError on a CA key secret that is too short, so
 * that it fails before anything starts.
 */
export function controllerOptions(options: ControllerOptions): ResolvedOptions {
  const { tls, limits, ...rest } = options;
  if (options.httpTlsFromCa && !tls)
    throw new ConfigError(
      '--http-tls-from-ca needs the controller CA, and there is none: --insecure runs without it',
      'pass --ca-key-file FILE (without --insecure), or give the HTTP API a certificate of its own with --http-tls-cert FILE --http-tls-key FILE',
    );
  return {
    ...rest,
    redisPrefix: options.redisPrefix ?? DEFAULT_PREFIX,
    grpcListen: options.grpcListen ?? DEFAULT_GRPC_LISTEN,
    httpListen: options.httpListen ?? DEFAULT_HTTP_LISTEN,
    logger: options.logger ?? silentLogger(),
    limits: { ...DEFAULT_LIMITS, ...withoutUndefined(limits ?? {}) },
    ...(tls && {
      tls: {
        secret: checkSecret(tls.caKey),
        names: tls.names ?? DEFAULT_TLS_NAMES,
        agentCertTtlMs: tls.agentCertTtlMs ?? DEFAULT_AGENT_CERT_TTL_MS,
      },
    }),
  };
}

/** `{ streamsPerIp: undefined }` leaves the default in place, as `??` did. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
