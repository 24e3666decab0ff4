import { mkdir, readFile } from 'node:fs/promises';
import { createAgent } from '@portwarden/agent/agent';
import { createController } from '@portwarden/controller/controller';
import type { Logger } from '@portwarden/common/logger';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { describeUrl, type QuickstartSettings } from './settings.js';
import type { StopStack } from './stop-stack.js';

/** What the quick start ended up running, for the banner. */
export interface QuickstartInfo {
  /** Reachable from this machine (a wildcard listen address is shown as loopback). */
  httpUrl: string;
  /** The HTTP API listens on loopback only (it may listen wider with PORTWARDEN_HTTP_INSECURE_PUBLIC). */
  httpLoopbackOnly: boolean;
  /** The admin API token's file (--admin-token-file). */
  adminTokenFile: string;
  grpcAddress: string;
  database: { embedded: true; dataDir: string } | { embedded: false; where: string };
  queue: { redis: false } | { redis: true; where: string };
  /** `appliedFrom` is set when this run applied the example; otherwise the revision in force was kept. */
  policy: { revision: number; appliedFrom?: string };
  agent: { name: string; labels: Record<string, string>; stateDir: string };
}

export interface QuickstartRun {
  settings: QuickstartSettings;
  logger: Logger;
  /** Each component registers its stop here as it starts: agent, controller, database in reverse. */
  stack: StopStack;
  /** Aborted by a signal: start no further component. */
  signal: AbortSignal;
}

/**
 * Starts PostgreSQL (embedded unless DATABASE_URL), the controller, the example policy (first run
 * only) and a local agent. On failure or abort, what did start is on `stack` for the caller to stop.
 */
export async function startQuickstart({
  settings,
  logger,
  stack,
  signal,
}: QuickstartRun): Promise<QuickstartInfo> {
  let databaseUrl = settings.databaseUrl;
  if (databaseUrl === undefined) {
    const pg = await startEmbeddedPostgres({ dataDir: settings.pgDataDir, logger });
    stack.push('embedded-postgres', pg.stop);
    databaseUrl = pg.url;
  }
  signal.throwIfAborted();

  // The admin token file goes there, and the controller creates only the file.
  await mkdir(settings.home, { recursive: true });
  const controller = createController({
    databaseUrl,
    ...(settings.redisUrl && { redisUrl: settings.redisUrl }),
    ...(settings.redisPrefix && { redisPrefix: settings.redisPrefix }),
    grpcListen: settings.grpcListen,
    httpListen: settings.httpListen,
    adminTokenFile: settings.adminTokenFile,
    ...settings.consents,
    logger: logger.child({ service: 'controller' }),
    // PGlite is one session and pglite-socket accepts one connection (see embedded-postgres.ts).
    // No second connection to LISTEN on, and no other replica to hear.
    ...(settings.databaseUrl === undefined && { dbMaxConnections: 1, replicaListen: false }),
  });
  stack.push('controller', () => controller.stop());
  const started = await controller.start();
  const httpUrl = reachableUrl(started.httpUrl);
  const grpcAddress = reachable(started.grpcAddress);
  signal.throwIfAborted();

  const policy = await ensurePolicy(
    controller.currentRevision(),
    (text) => controller.applyPolicy(text),
    settings.policyFile,
    logger,
  );
  signal.throwIfAborted();

  const agent = createAgent({
    controllers: [grpcAddress],
    name: settings.agentName,
    labels: settings.agentLabels,
    stateDir: settings.agentStateDir,
    logger: logger.child({ service: 'agent' }),
  });
  stack.push('agent', () => agent.stop());
  await agent.start();

  return {
    httpUrl,
    httpLoopbackOnly: isLoopbackUrl(started.httpUrl),
    adminTokenFile: settings.adminTokenFile,
    grpcAddress,
    database: settings.databaseUrl
      ? { embedded: false, where: describeUrl(settings.databaseUrl) }
      : { embedded: true, dataDir: settings.pgDataDir },
    queue: settings.redisUrl ? { redis: true, where: describeUrl(settings.redisUrl) } : { redis: false },
    policy,
    agent: { name: settings.agentName, labels: settings.agentLabels, stateDir: settings.agentStateDir },
  };
}

/**
 * The example policy is applied on the first run only: a policy already in the database (applied
 * by an earlier run, or by an operator on a DATABASE_URL in use) is never replaced by the example.
 */
async function ensurePolicy(
  current: number,
  apply: (text: string) => Promise<{ revision: number }>,
  file: string,
  logger: Logger,
): Promise<QuickstartInfo['policy']> {
  if (current > 0) {
    logger.info(
      { revision: current },
      'a policy is in force; the example policy is applied on the first run only',
    );
    return { revision: current };
  }
  const { revision } = await apply(await readFile(file, 'utf8'));
  return { revision, appliedFrom: file };
}

/** `http://127.0.0.1:7480`, `http://[::1]:7480`, `http://localhost:7480`: yes; a wildcard or another address: no. */
export function isLoopbackUrl(text: string): boolean {
  const host = new URL(text).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `http://0.0.0.0:7480` -> `http://127.0.0.1:7480`, and `[::]` -> `[::1]`. */
export function reachableUrl(text: string): string {
  const url = new URL(text);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/** `0.0.0.0:7443` -> `127.0.0.1:7443`, `[::]:7443` -> `[::1]:7443`; other addresses unchanged. */
export function reachable(hostPort: string): string {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon);
  const port = hostPort.slice(colon + 1);
  if (host === '0.0.0.0' || host === '') return `127.0.0.1:${port}`;
  if (host === '[::]' || host === '::') return `[::1]:${port}`;
  return hostPort;
}
