import type { Logger } from '@portwarden/common/logger';
import { createRunner, type CommandRunner } from './runner.js';
import { createLocator, type Locate } from './tools.js';

/** What a module that touches the system needs: the runner, the tool locator, the platform. */
export interface SystemDeps {
  run: CommandRunner;
  locate: Locate;
  platform: NodeJS.Platform;
}

/** The real system, for the agent and the firewall-status command. */
export function realSystem(logger?: Logger): SystemDeps {
  return {
    run: createRunner(logger ? { logger } : {}),
    locate: createLocator(),
    platform: process.platform,
  };
}
