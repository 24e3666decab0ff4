import { silentLogger, type Logger } from '@portwarden/common/logger';
import type { BackoffOptions } from './link/backoff.js';
import type { KeepaliveOptions } from './link/link.js';
import type { SpooledResult } from './spool/spool.js';
import { realSystem, type SystemDeps } from './system/system.js';
import type { AgentTlsOptions } from './tls/setup.js';

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
  /** Reconnect delays. @default 250 ms doubling to 30 s, with jitter (`link/backoff.ts`) */
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
  /**
   * The most bytes of results the spool keeps; over it the oldest go first, counted as gaps.
   * @default 256 MiB (`spool/options.ts`)
   */
  spoolMaxBytes?: number;
  /** gRPC keepalive of the link. @default a ping every 10 s, 10 s to answer (`link/link.ts`) */
  keepalive?: KeepaliveOptions;
  /**
   * The local config file (YAML, a `responses:` section: what this agent allows). Given, it must
   * exist. @default `<stateDir>/agent.yaml` when it exists; without it nothing is allowed
   */
  configFile?: string;
  /**
   * Serve GET /metrics (Prometheus text format) on this address: `host:port`, or a port alone for
   * 127.0.0.1 (`metrics/listen.ts`). @default no metrics server
   */
  metricsListen?: string;
  /**
   * How the agent touches the system: the command runner, the tool locator, the platform. Tests
   * pass a fake runner; nothing else differs. @default the real system
   */
  system?: Partial<SystemDeps>;
}

/** The options with the agent's own defaults filled in; the parts it configures fill in theirs. */
export type AgentSettings = AgentOptions &
  Required<Pick<AgentOptions, 'labels' | 'logger' | 'heartbeatMs' | 'drainMs'>> & { system: SystemDeps };

/** Fills in the defaults of `AgentOptions`, in one place. */
export function agentSettings(options: AgentOptions): AgentSettings {
  const logger = options.logger ?? silentLogger();
  return {
    ...options,
    labels: options.labels ?? {},
    logger,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    drainMs: options.drainMs ?? 2_000,
    system: { ...realSystem(logger.child({ component: 'runner' })), ...options.system },
  };
}
