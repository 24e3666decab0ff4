#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseDuration } from '@portwarden/common/duration';
import { envYes } from '@portwarden/common/env';
import { PortwardenError } from '@portwarden/common/errors';
import { createLogger } from '@portwarden/common/logger';
import { createController } from './controller.js';
import { DEFAULT_GRPC_LISTEN, DEFAULT_HTTP_LISTEN, DEFAULT_TLS_NAMES } from './options.js';
import { httpTlsOptions, type HttpTlsFlags } from './http-tls-flags.js';
import { securityOptions, type SecurityFlags } from './security-flags.js';
import { stopOnSignals } from './stop-on-signals.js';
import { describeFailure } from './report.js';
import { DEFAULT_RETENTION_DAYS, parseResultsRetention } from './retention/setting.js';

interface Flags extends SecurityFlags, HttpTlsFlags {
  databaseUrl?: string;
  redisUrl?: string;
  redisPrefix: string;
  grpcListen: string;
  httpListen: string;
  externalUrl?: string;
  logLevel?: string;
  adminTokenFile?: string;
  httpAllowedHosts?: string;
  httpInsecurePublic: boolean;
  httpTlsFromCa: boolean;
  allowRedisEviction: boolean;
  allowUnverifiedDbTls: boolean;
  metricsPublic: boolean;
  resultsRetention: string;
  grpcMaxConnectionAge: string;
}

const program = new Command('portwarden-controller')
  .description('Portwarden controller: policy, agent streams, incidents and notifications')
  .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL)', process.env.DATABASE_URL)
  .option(
    '--redis-url <url>',
    'Redis URL for the notification queue (env REDIS_URL); without it delivery is in-process',
    process.env.REDIS_URL,
  )
  .option(
    '--redis-prefix <prefix>',
    'key prefix in Redis (env PORTWARDEN_REDIS_PREFIX)',
    process.env.PORTWARDEN_REDIS_PREFIX ?? 'portwarden',
  )
  .option(
    '--grpc-listen <addr>',
    'agent gRPC address (env PORTWARDEN_GRPC_LISTEN)',
    process.env.PORTWARDEN_GRPC_LISTEN ?? DEFAULT_GRPC_LISTEN,
  )
  .option(
    '--http-listen <addr>',
    'HTTP API address (env PORTWARDEN_HTTP_LISTEN)',
    process.env.PORTWARDEN_HTTP_LISTEN ?? DEFAULT_HTTP_LISTEN,
  )
  .option(
    '--external-url <url>',
    'base URL people open from a notification (env PORTWARDEN_EXTERNAL_URL)',
    process.env.PORTWARDEN_EXTERNAL_URL,
  )
  .option(
    '--ca-key-file <path>',
    "file holding the secret that encrypts the controller CA's private key (env PORTWARDEN_CA_KEY_FILE, or the secret itself in PORTWARDEN_CA_KEY)",
    process.env.PORTWARDEN_CA_KEY_FILE,
  )
  .option(
    '--grpc-tls-names <names>',
    'host names and IP addresses agents reach the gRPC server by, comma-separated (env PORTWARDEN_GRPC_TLS_NAMES)',
    process.env.PORTWARDEN_GRPC_TLS_NAMES ?? DEFAULT_TLS_NAMES.join(','),
  )
  .option(
    '--agent-cert-ttl <duration>',
    'lifetime of agent certificates; agents renew after two thirds (env PORTWARDEN_AGENT_CERT_TTL)',
    process.env.PORTWARDEN_AGENT_CERT_TTL ?? '30d',
  )
  .option(
    '--max-streams-per-ip <n>',
    'concurrent agent streams from one IP address (env PORTWARDEN_MAX_STREAMS_PER_IP)',
    process.env.PORTWARDEN_MAX_STREAMS_PER_IP ?? '1024',
  )
  .option(
    '--admin-token-file <path>',
    'bootstrap admin API token: written there (0600) if the file does not exist, accepted if it does (env PORTWARDEN_ADMIN_TOKEN_FILE)',
    process.env.PORTWARDEN_ADMIN_TOKEN_FILE,
  )
  .option(
    '--http-allowed-hosts <hosts>',
    'more Host header values the HTTP API answers, comma-separated name or name:port (env PORTWARDEN_HTTP_ALLOWED_HOSTS)',
    process.env.PORTWARDEN_HTTP_ALLOWED_HOSTS,
  )
  .option('--insecure', 'plaintext gRPC without enrollment, agents named by their hello: for loopback only')
  .option(
    '--http-tls-cert <file>',
    'PEM certificate (and chain) for HTTPS on the HTTP API (env PORTWARDEN_HTTP_TLS_CERT)',
    process.env.PORTWARDEN_HTTP_TLS_CERT,
  )
  .option(
    '--http-tls-key <file>',
    'PEM private key of --http-tls-cert (env PORTWARDEN_HTTP_TLS_KEY)',
    process.env.PORTWARDEN_HTTP_TLS_KEY,
  )
  .option(
    '--http-tls-from-ca',
    'without --http-tls-cert: HTTPS on the HTTP API with a certificate from the controller CA for --grpc-tls-names on loopback too (beyond loopback it is the default) (env PORTWARDEN_HTTP_TLS_FROM_CA=1)',
    envYes(process.env.PORTWARDEN_HTTP_TLS_FROM_CA),
  )
  .option(
    '--http-insecure-public',
    'serve the plaintext HTTP API beyond loopback: refused otherwise without --ca-key-file, HTTPS from the CA with it (env PORTWARDEN_HTTP_INSECURE_PUBLIC=1)',
    envYes(process.env.PORTWARDEN_HTTP_INSECURE_PUBLIC),
  )
  .option(
    '--allow-redis-eviction',
    'start on a Redis whose maxmemory-policy is not noeviction; refused otherwise (env PORTWARDEN_ALLOW_REDIS_EVICTION=1)',
    envYes(process.env.PORTWARDEN_ALLOW_REDIS_EVICTION),
  )
  .option(
    '--allow-unverified-db-tls',
    'accept sslmode=require, prefer or allow in --database-url; refused otherwise (env PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS=1)',
    envYes(process.env.PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS),
  )
  .option(
    '--metrics-public',
    'serve GET /metrics without a token; it needs a viewer token otherwise (env PORTWARDEN_METRICS_PUBLIC=1)',
    envYes(process.env.PORTWARDEN_METRICS_PUBLIC),
  )
  .option(
    '--results-retention <days>',
    'how long probe results are kept, whole days; older days are dropped (env PORTWARDEN_RESULTS_RETENTION)',
    process.env.PORTWARDEN_RESULTS_RETENTION ?? `${DEFAULT_RETENTION_DAYS}d`,
  )
  .option(
    '--grpc-max-connection-age <duration>',
    'agent connections are closed after this long (±10 %) and reconnect, so agents spread over replicas again (env PORTWARDEN_GRPC_MAX_CONNECTION_AGE)',
    process.env.PORTWARDEN_GRPC_MAX_CONNECTION_AGE ?? '30m',
  )
  .option('--log-level <level>', 'trace, debug, info, warn, error (env LOG_LEVEL)')
  .version(controllerVersion(), '-V, --version', 'print the version of portwarden-controller')
  // A usage error is a problem the operator fixes (exit 2, not commander's 1): see report.ts.
  .exitOverride();

async function main(flags: Flags): Promise<void> {
  const logger = createLogger({ name: 'controller', level: flags.logLevel });
  if (!flags.databaseUrl) {
    throw new PortwardenError(
      'config',
      'no database URL',
      'pass --database-url postgres://user@host:5432/db or set DATABASE_URL (or run `npm start` for the embedded quick start)',
    );
  }
  const resultsRetentionDays = parseResultsRetention(flags.resultsRetention);
  const security = await securityOptions(flags, process.env);
  const httpTls = await httpTlsOptions(flags);
  const controller = createController({
    databaseUrl: flags.databaseUrl,
    redisUrl: flags.redisUrl,
    redisPrefix: flags.redisPrefix,
    grpcListen: flags.grpcListen,
    httpListen: flags.httpListen,
    externalUrl: flags.externalUrl,
    adminTokenFile: flags.adminTokenFile,
    httpAllowedHosts: flags.httpAllowedHosts?.split(','),
    logger,
    httpInsecurePublic: flags.httpInsecurePublic,
    httpTlsFromCa: flags.httpTlsFromCa,
    allowRedisEviction: flags.allowRedisEviction,
    allowUnverifiedDbTls: flags.allowUnverifiedDbTls,
    metricsPublic: flags.metricsPublic,
    resultsRetentionDays,
    grpcMaxConnectionAgeMs: parseDuration(flags.grpcMaxConnectionAge, '--grpc-max-connection-age'),
    ...(httpTls && { httpTls }),
    ...security,
  });
  if (!security.tls)
    logger.warn('--insecure: plaintext gRPC, agents are not authenticated; use it on loopback only');
  await controller.start();
  stopOnSignals(() => controller.stop(), logger);
}

function controllerVersion(): string {
  // package.json is one directory up from both src/ and dist/.
  return (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

// Parsing is inside the promise so that its errors take the same one way out as the start's.
Promise.resolve()
  .then(() => main(program.parse().opts<Flags>()))
  .catch((err: unknown) => {
    const failure = describeFailure(err);
    process.stderr.write(failure.text);
    process.exit(failure.exitCode);
  });
