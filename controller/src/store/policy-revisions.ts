import type { ChannelDocument } from '@portwarden/common/policy/schema';
import type { ResolvedAlertGroup, ResolvedPolicy } from '@portwarden/common/policy/resolved';
import type { ChannelRoutes } from '../notify/routes.js';
import type { Sql } from './db.js';

export interface PolicyRevision {
  revision: number;
  source: string;
  policy: ResolvedPolicy;
  createdAt: Date;
}

/** A revision as the list shows it. */
export interface PolicyRevisionSummary {
  revision: number;
  createdAt: Date;
  hash: string;
}

export function createPolicyStore(sql: Sql) {
  return {
    async save(source: string, policy: ResolvedPolicy): Promise<PolicyRevision> {
      const [row] = await sql<{ revision: number; createdAt: Date }[]>`
        INSERT INTO policy_revisions (source, resolved) VALUES (${source}, ${sql.json(policy as never)})
        RETURNING revision, created_at`;
      return { revision: row!.revision, source, policy, createdAt: row!.createdAt };
    },

    /** Newest first; the hash is SHA-256 of the source, to tell two revisions of the same text. */
    list(limit: number): Promise<PolicyRevisionSummary[]> {
      return sql<PolicyRevisionSummary[]>`
        SELECT revision, created_at, encode(sha256(convert_to(source, 'UTF8')), 'hex') AS hash
        FROM policy_revisions ORDER BY revision DESC LIMIT ${limit}`;
    },

    async get(revision: number): Promise<PolicyRevision | undefined> {
      const [row] = await sql<
        { revision: number; source: string; resolved: ResolvedPolicy; createdAt: Date }[]
      >`
        SELECT revision, source, resolved, created_at FROM policy_revisions WHERE revision = ${revision}`;
      return (
        row && { revision: row.revision, source: row.source, policy: row.resolved, createdAt: row.createdAt }
      );
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

/** Revisions whose alert groups are kept in memory; a revision never changes once written. */
const CACHED_REVISIONS = 16;

/** Channel lookups for delivery, from `policy_revisions`. */
export function createChannelRoutes(sql: Sql): ChannelRoutes {
  const cache = new Map<number, Record<string, ResolvedAlertGroup>>();
  const groupsOf = async (revision: number) => {
    const cached = cache.get(revision);
    if (cached) return cached;
    const [row] = await sql<{ groups: Record<string, ResolvedAlertGroup> | null }[]>`
      SELECT resolved->'alertGroups' AS groups FROM policy_revisions WHERE revision = ${revision}`;
    const groups = row?.groups ?? {};
    if (row) cache.set(revision, groups);
    if (cache.size > CACHED_REVISIONS) cache.delete(cache.keys().next().value!);
    return groups;
  };
  return {
    async channels(revision, groupId): Promise<readonly ChannelDocument[]> {
      return (await groupsOf(revision))[groupId]?.channels ?? [];
    },
  };
}
