import { silentLogger } from '@portwarden/common/logger';
import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { describe, expect, it } from 'vitest';
import type { PolicyRevision } from '../store/policy-revisions.js';
import { createPolicyService } from './policy-service.js';

/** One store, as PostgreSQL is for every replica. */
function sharedStore() {
  const revisions: PolicyRevision[] = [];
  return {
    async save(source: string, policy: ResolvedPolicy) {
      const saved = { revision: revisions.length + 1, source, policy, createdAt: new Date() };
      revisions.push(saved);
      return saved;
    },
    latest: async () => revisions.at(-1),
  };
}

const POLICY = (port: number) => `
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: web, port: ${port}, alertGroup: ops }]
`;

describe('the policy in force across replicas', () => {
  it("loads another replica's newer revision once, and tells its listeners", async () => {
    const store = sharedStore();
    const [a, b] = [createPolicyService(store, silentLogger()), createPolicyService(store, silentLogger())];
    const heard: number[] = [];
    b.onChange((revision) => heard.push(revision));
    const applied = await a.apply(POLICY(80));
    expect(await b.refresh()).toBe(true);
    expect(await b.refresh()).toBe(false);
    expect(b.current()?.revision).toBe(applied.revision);
    expect(heard).toEqual([applied.revision]);
  });

  it('compares an apply with the revision in force anywhere, not with its own last one', async () => {
    const store = sharedStore();
    const [a, b] = [createPolicyService(store, silentLogger()), createPolicyService(store, silentLogger())];
    await b.apply(POLICY(80));
    await a.apply(POLICY(443));
    // B has not heard of 443 yet: applying 80 again is a change, back from 443.
    const again = await b.apply(POLICY(80));
    expect(again).toMatchObject({ revision: 3, unchanged: false });
    // And applying what is in force is no change, whoever applied it.
    expect(await a.apply(POLICY(80))).toMatchObject({ revision: 3, unchanged: true });
  });
});
