import type { Logger } from '@portwarden/common/logger';
import type { CheckOverride } from '../store/check-overrides.js';
import type { ReplicaBus } from './bus.js';
import { CHANNELS, decodeRevision } from './channels.js';

/** What the fanout needs of the policy service (policy/policy-service.ts). */
export interface FanoutPolicy {
  current(): { revision: number } | undefined;
  /** Loads the newest stored revision if it is newer than the one in force (its listeners hear). */
  refresh(): Promise<boolean>;
  onChange(listener: () => void): () => void;
}

/** What the fanout needs of the override service (override/service.ts). */
export interface FanoutOverrides {
  list(): Promise<CheckOverride[]>;
  onChange(listener: () => void): () => void;
}

export interface ConfigFanoutDeps<P> {
  policy: FanoutPolicy & P;
  overrides: FanoutOverrides;
  /** This replica's open agent streams. */
  sessions(): Iterable<{ pushConfig(policy: P, overrides: readonly CheckOverride[]): void }>;
  bus: Pick<ReplicaBus, 'on' | 'onResume'>;
  logger: Logger;
  /** The fallback for a notification missed all the same: reload this often. @default 30000 */
  pollMs?: number;
}

/** What the agents of this replica were last sent: the policy revision and the overrides. */
export function configKey(revision: number, overrides: readonly CheckOverride[]): string {
  return JSON.stringify([revision, overrides.map((o) => [o.checkId, o.agent])]);
}

/**
 * Each new policy revision and each change of the run-time overrides goes down every open stream
 * of this replica, whichever replica made it: this one (its services' listeners), another (a
 * NOTIFY, a trigger of migration 0016), or one whose notification was missed (listening resumed,
 * or the slow poll). One push at a time, each reading the overrides afresh, and only when what the
 * agents would get differs from the last push: the same change heard twice is pushed once.
 */
export function createConfigFanout<P>(deps: ConfigFanoutDeps<P>) {
  const { policy, overrides, logger } = deps;
  let lastKey: string | undefined;
  let pushing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const off: (() => void)[] = [];

  const pushIfChanged = async () => {
    const list = await overrides.list();
    const key = configKey(policy.current()?.revision ?? 0, list);
    if (key === lastKey) return;
    lastKey = key;
    for (const session of deps.sessions()) session.pushConfig(policy, list);
  };

  /** `reload`: read the policy in force from the store first (another replica may have changed it). */
  const sync = (reload: boolean) => {
    const next = pushing.then(async () => {
      // refresh() makes the policy's listeners call sync(false) again; that one finds nothing new.
      if (reload) await policy.refresh();
      await pushIfChanged();
    });
    pushing = next.catch((err: unknown) =>
      logger.error({ err }, 'could not push configs; agents get them when they reconnect'),
    );
    return pushing;
  };

  return {
    /** What the agents connecting from now on get at hello is the baseline; nothing is pushed. */
    async start(): Promise<void> {
      lastKey = configKey(policy.current()?.revision ?? 0, await overrides.list());
      off.push(
        policy.onChange(() => void sync(false)),
        overrides.onChange(() => void sync(false)),
        deps.bus.on(CHANNELS.policy, (payload) => {
          const revision = decodeRevision(payload);
          if (revision === undefined || revision > (policy.current()?.revision ?? 0)) void sync(true);
        }),
        deps.bus.on(CHANNELS.overrides, () => void sync(false)),
        deps.bus.onResume(() => void sync(true)),
      );
      timer = setInterval(() => void sync(true), deps.pollMs ?? 30_000);
      timer.unref();
    },

    /** Resolves once every push asked for so far is done (tests wait on it). */
    settled: (): Promise<void> => pushing,

    async stop(): Promise<void> {
      clearInterval(timer);
      off.splice(0).forEach((unsubscribe) => unsubscribe());
      await pushing;
    },
  };
}
