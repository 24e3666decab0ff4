import { parsePolicy } from '@portwarden/common/policy/parse';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { Logger } from '@portwarden/common/logger';
import type { PolicyRevision } from '../store/policy-revisions.js';

/** Where revisions are kept; store/policy-revisions.ts. */
export interface PolicyRevisions {
  save(source: string, policy: ResolvedPolicy): Promise<PolicyRevision>;
  latest(): Promise<PolicyRevision | undefined>;
}

export interface PolicyListener {
  (revision: number, policy: ResolvedPolicy): void;
}

/**
 * Holds the policy in force. `apply` validates first and stores only a valid policy, so a bad
 * policy changes nothing; listeners (the agent sessions) hear of each new revision.
 */
export function createPolicyService(store: PolicyRevisions, logger: Logger) {
  let current: PolicyRevision | undefined;
  const listeners = new Set<PolicyListener>();

  return {
    async load(): Promise<void> {
      current = await store.latest();
      if (current) logger.info({ revision: current.revision }, 'policy loaded');
    },

    current(): PolicyRevision | undefined {
      return current;
    },

    async apply(source: string): Promise<PolicyRevision> {
      const policy = parsePolicy(source); // throws PolicyError with every issue
      const saved = await store.save(source, policy);
      current = saved;
      logger.info({ revision: saved.revision, checks: policy.checks.length }, 'policy applied');
      for (const listener of listeners) listener(saved.revision, policy);
      return saved;
    },

    onChange(listener: PolicyListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
