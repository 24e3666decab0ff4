import type { CheckOverride } from '../store/check-overrides.js';
import { planDisable, planEnable, type DisableRequest } from './decide.js';

/** Where overrides are kept; store/check-overrides.ts. */
export interface OverrideStore {
  list(): Promise<CheckOverride[]>;
  disable(override: CheckOverride): Promise<{ override: CheckOverride; created: boolean }>;
  enable(checkId: string, agents: (string | null)[]): Promise<number>;
}

/** The override in force where the disable asked, and whether this call wrote it. */
export interface DisableOutcome {
  override: CheckOverride;
  changed: boolean;
}

/** How many overrides the enable lifted, or the every-agent override it cannot lift. */
export type EnableOutcome = { removed: number } | { blockedBy: CheckOverride };

/**
 * Run-time overrides of the policy (`portwarden disable` / `enable`). PostgreSQL holds them, so
 * every replica reads the same; listeners (the config push) hear of each change this replica made.
 */
export function createOverrideService(store: OverrideStore, now: () => Date = () => new Date()) {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  return {
    list: (): Promise<CheckOverride[]> => store.list(),

    async disable(request: DisableRequest): Promise<DisableOutcome> {
      const plan = planDisable(await store.list(), request, now());
      if ('already' in plan) return { override: plan.already, changed: false };
      const written = await store.disable(plan.write);
      if (written.created) changed();
      return { override: written.override, changed: written.created };
    },

    async enable(checkId: string, agent: string | null): Promise<EnableOutcome> {
      const plan = planEnable(await store.list(), checkId, agent);
      if ('blockedBy' in plan) return plan;
      const removed = plan.remove.length > 0 ? await store.enable(checkId, plan.remove) : 0;
      if (removed > 0) changed();
      return { removed };
    },

    onChange(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type OverrideService = ReturnType<typeof createOverrideService>;
