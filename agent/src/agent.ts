import { mkdir } from 'node:fs/promises';
import { ConfigError } from '@portwarden/common/errors';
import { createParts, resource } from '@portwarden/common/lifecycle';
import { createChecks } from './checks.js';
import { applyConfig, runCachedConfig, type ConfigDeps } from './config/apply.js';
import { connect } from './link/connect.js';
import type { MetricsServer } from './metrics/server.js';
import { agentSettings, type AgentOptions, type AgentSettings } from './options.js';
import { prepareProbing } from './probing.js';
import { openSpool, type SpoolOptions } from './spool/spool.js';

export type { AgentOptions } from './options.js';
export type { CheckSpec } from './config/config.js';
export type { SpooledResult } from './spool/spool.js';

export interface Agent {
  /** Opens the spool, starts probing from the cached config, and connects to the controller. */
  start(): Promise<void>;
  /** Stops probing, closes the stream and the spool; results on disk stay for the next start. */
  stop(): Promise<void>;
  /** The revision of the config being run; 0 before the first one. */
  readonly configRevision: number;
  /** Whether a stream to a controller is open. */
  readonly connected: boolean;
  /** http://host:port of the metrics server, once started with `metricsListen`. */
  readonly metricsUrl: string | undefined;
}

export function createAgent(options: AgentOptions): Agent {
  const settings = agentSettings(options);
  const { stateDir, logger: log } = settings;
  const probing = resource('local config', () => prepareProbing(settings));
  const spool = resource(
    'spool',
    () => openSpool(spoolOptions(settings)),
    (s) => s.close(),
  );
  const checks = createChecks({
    probing: () => probing.value,
    record: async (result) => {
      const spooled = await spool.value.append(result);
      connection.current?.link.notify();
      metrics.current?.probed(spooled);
      settings.onResult?.(spooled);
    },
    onConfig: settings.onConfig,
    logger: log,
  });
  const config: ConfigDeps = { stateDir, platform: settings.system.platform, logger: log, run: checks.run };
  const connection = resource(
    'link',
    (signal) => {
      const deps = { spool: spool.value, runTest: checks.test, revision: () => checks.revision };
      return connect(settings, { ...deps, applyConfig: (push) => applyConfig(push, config) }, signal);
    },
    (c) => c.stop(),
  );
  const metrics = resource(
    'metrics',
    async () => {
      if (!settings.metricsListen) return undefined;
      // Loaded only with --metrics-listen: an agent without it carries no metrics code.
      const { startMetricsServer } = await import('./metrics/server.js');
      const sources = {
        spool: () => ({ bytes: spool.value.stats.bytes, gaps: spool.value.gaps() }),
        connected: () => connection.current?.link.connected ?? false,
      };
      return startMetricsServer(settings.metricsListen, sources, log.child({ component: 'metrics' }));
    },
    (server?: MetricsServer) => server?.close(),
  );
  const parts = createParts([
    { name: 'state directory', start: () => prepareStateDir(stateDir) },
    probing,
    spool,
    metrics,
    { name: 'checks', start: () => runCachedConfig(config), stop: () => checks.stop() },
    // Probing from the cached config goes on while the agent enrolls.
    connection,
  ]);
  return {
    start: () => parts.start(),
    async stop() {
      // Probing stops first, so that the link drains a spool that no longer grows.
      await checks.stop();
      await parts.stop();
    },
    get configRevision() {
      return checks.revision;
    },
    get connected() {
      return connection.current?.link.connected ?? false;
    },
    get metricsUrl() {
      return metrics.current?.url;
    },
  };
}

function spoolOptions(settings: AgentSettings): SpoolOptions {
  const logger = settings.logger.child({ component: 'spool' });
  return { dir: settings.stateDir, logger, maxBytes: settings.spoolMaxBytes };
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
