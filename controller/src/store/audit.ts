import type { Role } from '../auth/roles.js';
import type { Sql } from './db.js';

/** One admin or operator action. */
export interface AuditEntry {
  actor: string;
  role: Role;
  action: string;
  target: string;
  source: string;
  detail: Record<string, unknown>;
}

export interface AuditRow extends Omit<AuditEntry, 'detail'> {
  at: Date;
}

/** The audit table: written once per action, read newest first. */
export function createAuditStore(sql: Sql) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await sql`
        INSERT INTO audit (actor, role, action, target, source, detail)
        VALUES (${entry.actor}, ${entry.role}, ${entry.action}, ${entry.target}, ${entry.source},
                ${sql.json(entry.detail as Parameters<typeof sql.json>[0])})`;
    },

    list: (limit: number) => sql<AuditRow[]>`
      SELECT at, actor, role, action, target, source FROM audit ORDER BY at DESC, id DESC LIMIT ${limit}`,
  };
}
