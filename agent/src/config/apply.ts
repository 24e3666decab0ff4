import type { Logger } from '@portwarden/common/logger';
import { AgentConfig, type ConfigPush } from '@portwarden/proto/agent/v1';
import { loadConfig, saveConfig, toCheckSpecs, type CheckSpec } from './config.js';

/** Where configs come from and go: the cached one on disk, and what runs them. */
export interface ConfigDeps {
  /** The state directory, where the config last applied is cached. */
  stateDir: string;
  platform: NodeJS.Platform;
  logger: Logger;
  /** Swaps in the checks of a config, in one step. */
  run(checks: CheckSpec[], revision: number): void;
}

/**
 * Validate, save, then swap: a config that cannot be run or saved leaves the previous in force.
 * Resolves to '' or to why the config was refused, as the ConfigAck says it.
 */
export async function applyConfig(push: ConfigPush, deps: ConfigDeps): Promise<string> {
  const config = push.config ?? AgentConfig.create();
  try {
    const checks = toCheckSpecs(config, deps.platform);
    await saveConfig(deps.stateDir, { revision: push.revision, config });
    deps.run(checks, push.revision);
    return '';
  } catch (err) {
    deps.logger.error({ err, revision: push.revision }, 'config refused; keeping the previous one');
    return (err as Error).message;
  }
}

/** Monitoring never waits for the controller: start from the last config that was applied. */
export async function runCachedConfig(deps: ConfigDeps): Promise<void> {
  try {
    const cached = await loadConfig(deps.stateDir);
    if (cached) deps.run(toCheckSpecs(cached.config, deps.platform), cached.revision);
    else deps.logger.info('no cached config; waiting for the controller');
  } catch (err) {
    deps.logger.warn({ err }, 'cached config unusable; waiting for the controller');
  }
}
