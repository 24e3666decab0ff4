import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envYes } from '@portwarden/common/env';
import { ConfigError } from '@portwarden/common/errors';
import { QUICKSTART_ADMIN_TOKEN, QUICKSTART_HOME } from '@portwarden/common/quickstart-paths';

/** What the quick start runs with; every default is filled in by `readSettings`. */
export interface QuickstartSettings {
  /** External PostgreSQL (env DATABASE_URL). @default none: embedded PGlite in `pgDataDir` */
  databaseUrl?: string;
  /** Redis for the BullMQ notification queue (env REDIS_URL). @default none: in-process delivery */
  redisUrl?: string;
  /** Key prefix in Redis (env PORTWARDEN_REDIS_PREFIX). @default the controller's, 'portwarden' */
  redisPrefix?: string;
  /** env PORTWARDEN_HTTP_LISTEN. @default '127.0.0.1:7480' */
  httpListen: string;
  /** env PORTWARDEN_GRPC_LISTEN. @default '127.0.0.1:7443' */
  grpcListen: string;
  /** Absolute; env PORTWARDEN_HOME. @default './.portwarden' */
  home: string;
  /** `<home>/pgdata`: the embedded database, kept between runs. */
  pgDataDir: string;
  /** `<home>/admin-token`: the controller's --admin-token-file, which the CLI finds by itself. */
  adminTokenFile: string;
  /** `<home>/agent`: the local agent's spool and cached config. */
  agentStateDir: string;
  /** The example policy applied on the first run. */
  policyFile: string;
  /** The local agent's name. @default os.hostname() */
  agentName: string;
  /** The local agent's labels. @default { role: 'quickstart' } */
  agentLabels: Record<string, string>;
  /**
   * The controller's consents to what it refuses at start otherwise (env
   * PORTWARDEN_HTTP_INSECURE_PUBLIC, PORTWARDEN_ALLOW_REDIS_EVICTION, PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS
   * set to 1). @default none
   */
  consents: { httpInsecurePublic?: true; allowRedisEviction?: true; allowUnverifiedDbTls?: true };
}

export const DEFAULT_HTTP_LISTEN = '127.0.0.1:7480';
export const DEFAULT_GRPC_LISTEN = '127.0.0.1:7443';
export const DEFAULT_HOME = QUICKSTART_HOME;

/** deploy/quickstart/policy.yaml, from src/quickstart or dist/quickstart alike. */
export const EXAMPLE_POLICY_FILE = fileURLToPath(new URL('../../quickstart/policy.yaml', import.meta.url));

/** Environment -> settings. An empty variable counts as unset. */
export function readSettings(env: NodeJS.ProcessEnv, cwd: string): QuickstartSettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  const databaseUrl = checkUrl('DATABASE_URL', value('DATABASE_URL'), ['postgres:', 'postgresql:']);
  const redisUrl = checkUrl('REDIS_URL', value('REDIS_URL'), ['redis:', 'rediss:']);
  const redisPrefix = value('PORTWARDEN_REDIS_PREFIX');
  const home = resolve(cwd, value('PORTWARDEN_HOME') ?? DEFAULT_HOME);
  return {
    ...(databaseUrl && { databaseUrl }),
    ...(redisUrl && { redisUrl }),
    ...(redisPrefix && { redisPrefix }),
    httpListen: value('PORTWARDEN_HTTP_LISTEN') ?? DEFAULT_HTTP_LISTEN,
    grpcListen: value('PORTWARDEN_GRPC_LISTEN') ?? DEFAULT_GRPC_LISTEN,
    home,
    pgDataDir: resolve(home, 'pgdata'),
    adminTokenFile: resolve(home, QUICKSTART_ADMIN_TOKEN),
    agentStateDir: resolve(home, 'agent'),
    policyFile: EXAMPLE_POLICY_FILE,
    agentName: os.hostname(),
    agentLabels: { role: 'quickstart' },
    consents: {
      ...(envYes(value('PORTWARDEN_HTTP_INSECURE_PUBLIC')) && { httpInsecurePublic: true }),
      ...(envYes(value('PORTWARDEN_ALLOW_REDIS_EVICTION')) && { allowRedisEviction: true }),
      ...(envYes(value('PORTWARDEN_ALLOW_UNVERIFIED_DB_TLS')) && { allowUnverifiedDbTls: true }),
    },
  };
}

function checkUrl(name: string, text: string | undefined, protocols: string[]): string | undefined {
  if (text === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    protocol = undefined;
  }
  if (!protocol || !protocols.includes(protocol)) {
    throw new ConfigError(
      `${name} is not a ${protocols[0]}// URL`,
      `set ${name}=${protocols[0]}//user@host:port/… or unset it to use the embedded default`,
    );
  }
  return text;
}

/** "host:port/db" for humans: never the user or the password. */
export function describeUrl(text: string): string {
  const url = new URL(text);
  return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
