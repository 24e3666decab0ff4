import type { Labels } from '@portwarden/common/labels';
import type { Sql } from './db.js';

export interface AgentRecord {
  id: number;
  name: string;
  labels: Labels;
  os: string;
  hostname: string;
  agentVersion: string;
  configRevision: number;
  configError: string | null;
  connected: boolean;
  lastSeenAt: Date | null;
}

export interface AgentListRow extends AgentRecord {
  /** Results the agent dropped because its spool was full, from all its gap reports. */
  dropped: number;
  /** When `portwarden agents revoke` revoked it; null when it was not, or never enrolled. */
  revokedAt: Date | null;
  /** The latest expiry among its valid certificates; null without one (never enrolled, revoked, --insecure). */
  certificateExpiresAt: Date | null;
}

export interface AgentHello {
  name: string;
  labels: Labels;
  os: string;
  hostname: string;
  agentVersion: string;
  configRevision: number;
}

/** Agents as the controller knows them. Identity is the name (later: the certificate). */
export function createAgentStore(sql: Sql) {
  return {
    async connect(hello: AgentHello): Promise<AgentRecord> {
      const [row] = await sql<AgentRecord[]>`
        INSERT INTO agents (name, labels, os, hostname, agent_version, config_revision, connected, last_seen_at)
        VALUES (${hello.name}, ${sql.json(hello.labels)}, ${hello.os}, ${hello.hostname}, ${hello.agentVersion},
                ${hello.configRevision}, true, now())
        ON CONFLICT (name) DO UPDATE SET
          labels = EXCLUDED.labels, os = EXCLUDED.os, hostname = EXCLUDED.hostname,
          agent_version = EXCLUDED.agent_version, config_revision = EXCLUDED.config_revision,
          connected = true, last_seen_at = now()
        RETURNING ${sql(AGENT_COLUMNS)}`;
      return row!;
    },

    async disconnect(id: number): Promise<void> {
      await sql`UPDATE agents SET connected = false, last_seen_at = now() WHERE id = ${id}`;
    },

    async configApplied(id: number, revision: number, error: string): Promise<void> {
      await sql`UPDATE agents SET config_revision = CASE WHEN ${error} = '' THEN ${revision} ELSE config_revision END,
                config_error = NULLIF(${error}, ''), last_seen_at = now() WHERE id = ${id}`;
    },

    /** Every agent, with what its gap reports add up to and, once enrolled, its certificate state. */
    async list(): Promise<AgentListRow[]> {
      return sql<AgentListRow[]>`
        SELECT ${sql(AGENT_COLUMNS.map((c) => `a.${c}`))},
          coalesce((SELECT sum(g.dropped) FROM result_gaps g WHERE g.agent_id = a.id), 0)::bigint AS dropped,
          i.revoked_at,
          (SELECT max(c.not_after) FROM agent_certificates c
            WHERE c.agent_name = a.name AND c.revoked_at IS NULL) AS certificate_expires_at
        FROM agents a LEFT JOIN agent_identities i ON i.name = a.name ORDER BY a.name`;
    },

    /** Whether the agent of that name is shown connected (to any replica). */
    async isConnected(name: string): Promise<boolean> {
      const [row] = await sql<{ connected: boolean }[]>`SELECT connected FROM agents WHERE name = ${name}`;
      return row?.connected ?? false;
    },

    /**
     * At start no stream is open on this replica's behalf. An agent connected to another replica is
     * written as heard there every few seconds (liveness/monitor.ts), so only agents unheard for
     * a minute are marked disconnected: those whose replica died, or this one before its restart.
     */
    async markStaleDisconnected(): Promise<void> {
      await sql`UPDATE agents SET connected = false
                WHERE connected AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')`;
    },
  };
}

const AGENT_COLUMNS = [
  'id',
  'name',
  'labels',
  'os',
  'hostname',
  'agent_version',
  'config_revision',
  'config_error',
  'connected',
  'last_seen_at',
];
