import type { Logger } from '@portwarden/common/logger';
import type { ResolvedAlertGroup } from '@portwarden/common/policy/resolved';
import type { LivenessStore } from '../store/liveness-store.js';

export interface LivenessSettings {
  /** Silence after which an agent is unreachable. @default 30000 (3 missed heartbeats of 10 s) */
  silenceMs: number;
  /** Who is told; undefined records the incident without notifying. */
  alertGroup: ResolvedAlertGroup | undefined;
}

export interface LivenessMonitorOptions {
  store: LivenessStore;
  logger: Logger;
  /** Read on every pass, so a new policy applies at once. */
  settings(): LivenessSettings;
  /** Outbox rows were written. */
  onEvents(): void;
  /** How often silence is looked for. @default 5000 */
  intervalMs?: number;
  now?: () => Date;
}

/**
 * Missed heartbeats become ordinary incidents on the same path as check failures: opened after
 * the configured silence, resolved when the agent is heard from again.
 */
export function createLivenessMonitor(options: LivenessMonitorOptions) {
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ component: 'liveness' });
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  const tick = async () => {
    const { silenceMs, alertGroup } = options.settings();
    try {
      const opened = await options.store.openForSilent(silenceMs, alertGroup, now());
      if (opened > 0) {
        logger.warn({ opened, silenceMs }, 'agents unreachable');
        options.onEvents();
      }
    } catch (err) {
      logger.error({ err }, 'liveness pass failed');
    }
  };

  return {
    start(): void {
      timer = setInterval(() => {
        pass = pass.then(tick);
      }, options.intervalMs ?? 5_000);
    },

    /** One pass now; tests and the first start use it. */
    check(): Promise<void> {
      pass = pass.then(tick);
      return pass;
    },

    /** The agent was heard from: close its liveness incident if one is open. */
    async heard(agentId: number): Promise<void> {
      if (await options.store.resolve(agentId, options.settings().alertGroup, now())) {
        logger.info({ agentId }, 'agent reachable again');
        options.onEvents();
      }
    },

    async stop(): Promise<void> {
      clearInterval(timer);
      await pass;
    },
  };
}

export type LivenessMonitor = ReturnType<typeof createLivenessMonitor>;
