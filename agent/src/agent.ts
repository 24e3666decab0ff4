import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { ConfigError } from '@portwarden/common/errors';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import {
  AgentConfig,
  type ConfigPush,
  type Hello,
  type TestRequest,
  type TestResult,
} from '@portwarden/proto/agent/v1';
import { loadConfig, saveConfig, toCheckSpecs, type CheckSpec } from './config/config.js';
import { loadLocalConfig } from './config/local.js';
import type { BackoffOptions } from './link/backoff.js';
import { createLink, toProtoResult, type KeepaliveOptions, type Link } from './link/link.js';
import { AGENT_VERSION, osFamily } from './platform.js';
import type { Probe, ProbeResult, Probes } from './probes/probe.js';
import { createProbes } from './probes/registry.js';
import { openAuditLog } from './responses/audit.js';
import { createResponder } from './responses/executor.js';
import { createRebootGuard } from './responses/guard.js';
import { createRounds, type RoundResult } from './responses/round.js';
import { createScheduler } from './scheduler/scheduler.js';
import { openSpool, type Spool, type SpooledResult } from './spool/spool.js';
import type { AgentTlsOptions, LinkSecurity } from './tls/setup.js';
import { realSystem, type SystemDeps } from './system/system.js';

export type { CheckSpec } from './config/config.js';
export type { SpooledResult } from './spool/spool.js';

export interface AgentOptions {
  /** Controller addresses, `host:port` (IPv6 as `[::1]:port`); tried in turn. */
  controllers: string[];
  /** The agent's name in the fleet. */
  name: string;
  /** Labels that policies select agents by. @default {} */
  labels?: Record<string, string>;
  /** Where the spool and the cached config live; created if missing. */
  stateDir: string;
  /** @default a silent logger */
  logger?: Logger;
  /** How often a heartbeat goes up the stream. @default 10_000 */
  heartbeatMs?: number;
  /** Reconnect delays. @default 250 ms doubling to 30 s, with jitter */
  reconnect?: BackoffOptions;
  /** On stop, how long to wait for the controller to acknowledge what is spooled. @default 2000 */
  drainMs?: number;
  /** Called with every result once it is on disk (it may not have been sent yet). */
  onResult?(result: SpooledResult): void;
  /** Called whenever the agent starts running a config: the cached one at start, then each push. */
  onConfig?(revision: number): void;
  /** Called each time a controller answers on a new stream, with its address. */
  onConnect?(address: string): void;
  /**
   * Mutual TLS: the identity in `<stateDir>/tls`, enrolled with `enrollToken` when there is none.
   * @default plaintext gRPC (`--insecure`)
   */
  tls?: AgentTlsOptions;
  /** The most bytes of results the spool keeps; over it the oldest go first, counted as gaps. @default 256 MiB */
  spoolMaxBytes?: number;
  /** gRPC keepalive of the link. @default a ping every 10 s, 10 s to answer */
  keepalive?: KeepaliveOptions;
  /**
   * The local config file (YAML, a `responses:` section: what this agent allows). Given, it must
   * exist. @default `<stateDir>/agent.yaml` when it exists; without it nothing is allowed
   */
  configFile?: string;
  /**
   * How the agent touches the system: the command runner, the tool locator, the platform. Tests
   * pass a fake runner; nothing else differs. @default the real system
   */
  system?: Partial<SystemDeps>;
}

export interface Agent {
  /** Opens the spool, starts probing from the cached config, and connects to the controller. */
  start(): Promise<void>;
  /** Stops probing, closes the stream and the spool; results on disk stay for the next start. */
  stop(): Promise<void>;
  /** The revision of the config being run; 0 before the first one. */
  readonly configRevision: number;
  /** Whether a stream to a controller is open. */
  readonly connected: boolean;
}

export function createAgent(options: AgentOptions): Agent {
  const log = options.logger ?? silentLogger();
  const system: SystemDeps = { ...realSystem(log.child({ component: 'runner' })), ...options.system };
  let spool: Spool | undefined;
  let link: Link | undefined;
  let security: LinkSecurity | undefined;
  /** Aborts an enrollment still retrying when the agent is stopped. */
  let starting: AbortController | undefined;
  let revision = 0;
  /** Built at start, once the local config is read. */
  let probes: Probes | undefined;
  let round: ((check: CheckSpec, signal: AbortSignal) => Promise<RoundResult>) | undefined;
  /** Every check of the config in force, disabled ones included: what "test now" may run. */
  let configured = new Map<string, CheckSpec>();
  /** Aborts the "test now" probes in flight when the agent stops. */
  let tests = new AbortController();

  const scheduler = createScheduler<CheckSpec>({
    logger: log.child({ component: 'scheduler' }),
    run: async (check, signal) => {
      if (!round) return;
      const startedAtUnixMs = Date.now();
      const result = await round(check, signal);
      // A check removed or changed mid-probe: its result describes a check that no longer exists.
      if (signal.aborted || !spool) return;
      const spooled = await spool.append({ checkId: check.id, startedAtUnixMs, ...result });
      link?.notify();
      options.onResult?.(spooled);
    },
  });

  /** "Test now": one probe outside the schedule; no count, no response, nothing spooled. Never throws. */
  const runTest = async (request: TestRequest): Promise<TestResult> => {
    const check = configured.get(request.checkId);
    if (!check || !probes)
      return {
        requestId: request.requestId,
        result: undefined,
        error: `this agent runs no check "${request.checkId}"`,
      };
    const startedAtUnixMs = Date.now();
    const result = await probe(probes, check, tests.signal);
    log.info({ checkId: check.id, outcome: result.outcome }, 'test now');
    return {
      requestId: request.requestId,
      result: toProtoResult({ ...result, seq: 0, checkId: check.id, startedAtUnixMs }),
      error: '',
    };
  };

  const run = (checks: CheckSpec[], next: number) => {
    scheduler.update(checks);
    configured = new Map(checks.map((c) => [c.id, c]));
    revision = next;
    log.info({ revision, checks: scheduler.checks.size }, 'running config');
    options.onConfig?.(revision);
  };

  /** Validate, save, then swap: a config that cannot be run or saved leaves the previous in force. */
  const applyConfig = async (push: ConfigPush): Promise<string> => {
    const config = push.config ?? AgentConfig.create();
    try {
      const checks = toCheckSpecs(config, system.platform);
      await saveConfig(options.stateDir, { revision: push.revision, config });
      run(checks, push.revision);
      return '';
    } catch (err) {
      log.error({ err, revision: push.revision }, 'config refused; keeping the previous one');
      return (err as Error).message;
    }
  };

  const hello = (): Hello => ({
    name: options.name,
    labels: options.labels ?? {},
    os: osFamily(),
    agentVersion: AGENT_VERSION,
    configRevision: revision,
    hostname: os.hostname(),
  });

  return {
    async start() {
      if (spool) return;
      await prepareStateDir(options.stateDir);
      // Read first: an agent whose local config is wrong must not start half-allowed.
      const local = await loadLocalConfig(options.stateDir, options.configFile, system.platform);
      log.info({ allow: local.responses.allow }, 'local responses config');
      const built = createProbes({ system, providerOptions: local.responses.firewall });
      const responder = createResponder({
        system,
        config: local.responses,
        guard: createRebootGuard({ dir: options.stateDir, options: local.responses.reboot }),
        audit: openAuditLog({ dir: options.stateDir }),
        logger: log.child({ component: 'responses' }),
      });
      probes = built;
      tests = new AbortController();
      round = createRounds({ probe: (check, signal) => probe(built, check, signal), responder });
      spool = await openSpool({
        dir: options.stateDir,
        logger: log.child({ component: 'spool' }),
        ...(options.spoolMaxBytes !== undefined && { maxBytes: options.spoolMaxBytes }),
      });
      await runCachedConfig(options.stateDir, system.platform, log, run);
      // Probing from the cached config goes on while the agent enrolls.
      starting = new AbortController();
      security =
        options.tls &&
        // Loaded only with TLS: plaintext (loopback) agents never pay for the PKI code.
        (await (
          await import('./tls/setup.js')
        ).prepareLinkSecurity({
          tls: options.tls,
          controllers: options.controllers,
          name: options.name,
          stateDir: options.stateDir,
          logger: log.child({ component: 'tls' }),
          signal: starting.signal,
        }));
      link = createLink({
        controllers: options.controllers,
        ...(security && { credentials: security.credentials }),
        ...(options.keepalive && { keepalive: options.keepalive }),
        hello,
        spool,
        applyConfig,
        heartbeatMs: options.heartbeatMs ?? 10_000,
        ...(options.reconnect && { backoff: options.reconnect }),
        logger: log.child({ component: 'link' }),
        ...(options.onConnect && { onConnect: options.onConnect }),
        runTest,
      });
      link.start();
    },
    async stop() {
      tests.abort();
      starting?.abort();
      await security?.stop();
      security = undefined;
      await scheduler.stop();
      await link?.stop(options.drainMs ?? 2_000);
      await spool?.close();
      link = undefined;
      spool = undefined;
    },
    get configRevision() {
      return revision;
    },
    get connected() {
      return link?.connected ?? false;
    },
  };
}

/** Probes never throw by contract; this guard keeps a bug in one from stopping its check. */
async function probe(probes: Probes, check: CheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  const run = probes[check.kind] as Probe<CheckSpec['spec']>;
  try {
    return await run(check.spec, { signal });
  } catch (err) {
    const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 };
    return {
      outcome: 'down',
      reason: 'internal',
      detail: `probe failed: ${(err as Error).message}`,
      durationMs: 0,
      timings,
    };
  }
}

async function prepareStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `cannot use state directory ${dir}: ${code}`,
      'pass --state-dir with a writable directory',
      {
        cause: err,
      },
    );
  }
}

/** Monitoring never waits for the controller: start from the last config that was applied. */
async function runCachedConfig(
  dir: string,
  platform: NodeJS.Platform,
  log: Logger,
  run: (checks: CheckSpec[], revision: number) => void,
): Promise<void> {
  try {
    const cached = await loadConfig(dir);
    if (cached) run(toCheckSpecs(cached.config, platform), cached.revision);
    else log.info('no cached config; waiting for the controller');
  } catch (err) {
    log.warn({ err }, 'cached config unusable; waiting for the controller');
  }
}
