import type { ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { Sql } from './db.js';

export interface PolicyRevision {
  revision: number;
  source: string;
  policy: ResolvedPolicy;
  createdAt: Date;
}

export function createPolicyStore(sql: Sql) {
  return {
    async save(source: string, policy: ResolvedPolicy): Promise<PolicyRevision> {
      const [row] = await sql<{ revision: number; createdAt: Date }[]>`
        INSERT INTO policy_revisions (source, resolved) VALUES (${source}, ${sql.json(policy as never)})
        RETURNING revision, created_at`;
      return { revision: row!.revision, source, policy, createdAt: row!.createdAt };
    },

    async latest(): Promise<PolicyRevision | undefined> {
      const [row] = await sql<
        { revision: number; source: string; resolved: ResolvedPolicy; createdAt: Date }[]
      >`
        SELECT revision, source, resolved, created_at FROM policy_revisions ORDER BY revision DESC LIMIT 1`;
      return (
        row && { revision: row.revision, source: row.source, policy: row.resolved, createdAt: row.createdAt }
      );
    },
  };
}
