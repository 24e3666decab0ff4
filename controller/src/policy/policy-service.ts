import type { PolicyIssue } from '@portwarden/common/errors';
import { checkPolicy, type CheckedPolicy } from '@portwarden/common/policy/parse';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { Logger } from '@portwarden/common/logger';
import type { PolicyRevision } from '../store/policy-revisions.js';
import { isUnchanged } from './unchanged.js';

/** Where revisions are kept; store/policy-revisions.ts. */
export interface PolicyRevisions {
  save(source: string, policy: ResolvedPolicy): Promise<PolicyRevision>;
  latest(): Promise<PolicyRevision | undefined>;
}

export interface PolicyListener {
  (revision: number, policy: ResolvedPolicy): void;
}

/** The names of the secrets channels may refer to; secrets/secrets.ts. */
export interface SecretNames {
  names(): Promise<ReadonlySet<string>>;
}

/**
 * What `apply` did: stored a new revision, or found the policy in force identical and kept it;
 * `warnings` lists the literal credentials it holds.
 */
export type AppliedPolicy = PolicyRevision & { unchanged: boolean; warnings: PolicyIssue[] };

/**
 * Holds the policy in force. `apply` validates first and stores only a valid policy, so a bad
 * policy changes nothing; listeners (the agent sessions) hear of each new revision.
 */
export function createPolicyService(store: PolicyRevisions, logger: Logger, secrets?: SecretNames) {
  let current: PolicyRevision | undefined;
  const listeners = new Set<PolicyListener>();
  // One apply at a time: each compares with the revision the one before it stored.
  let applying: Promise<unknown> = Promise.resolve();

  /** A newer revision in the store (another replica applied it) becomes the one in force. */
  async function adoptLatest(): Promise<boolean> {
    const latest = await store.latest();
    if (!latest || latest.revision <= (current?.revision ?? 0)) return false;
    current = latest;
    logger.info({ revision: latest.revision }, 'policy applied by another replica loaded');
    for (const listener of listeners) listener(latest.revision, latest.policy);
    return true;
  }

  async function applyNow(source: string): Promise<AppliedPolicy> {
    // throws PolicyError with every issue, an unknown secret name among them
    const { policy, warnings } = checkPolicy(source, await secrets?.names());
    // "Unchanged" compares with the revision in force on every replica, not this one's last.
    await adoptLatest();
    if (current && isUnchanged(policy, current.policy)) {
      logger.info({ revision: current.revision }, 'policy unchanged');
      return { ...current, unchanged: true, warnings };
    }
    const saved = await store.save(source, policy);
    current = saved;
    logger.info({ revision: saved.revision, checks: policy.checks.length }, 'policy applied');
    for (const listener of listeners) listener(saved.revision, policy);
    return { ...saved, unchanged: false, warnings };
  }

  return {
    async load(): Promise<void> {
      current = await store.latest();
      if (current) logger.info({ revision: current.revision }, 'policy loaded');
    },

    current(): PolicyRevision | undefined {
      return current;
    },

    /**
     * Another replica may have applied a newer revision: load it, and tell the listeners, when the
     * newest stored one is newer than the one in force. Resolves to whether it was.
     */
    refresh(): Promise<boolean> {
      const refreshed = applying.then(adoptLatest);
      applying = refreshed.catch(() => undefined);
      return refreshed;
    },

    /** What apply checks (secret names included), without storing anything: `apply --dry-run`. */
    async validate(source: string): Promise<CheckedPolicy> {
      return checkPolicy(source, await secrets?.names());
    },

    apply(source: string): Promise<AppliedPolicy> {
      const applied = applying.then(() => applyNow(source));
      applying = applied.catch(() => undefined);
      return applied;
    },

    onChange(listener: PolicyListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
