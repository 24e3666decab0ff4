import postgres from 'postgres';

/**
 * What the sim reads from the controller's database: its commit count (pg_stat_database, which
 * PostgreSQL updates about once a second) and the "agent unreachable" incidents of the fleet.
 */
export class ControllerDatabase {
  private readonly sql: postgres.Sql;

  constructor(url: string) {
    this.sql = postgres(url, { max: 1, onnotice: () => {} });
  }

  /** Transactions committed in this database so far (all sessions, the sim's own few included). */
  async commits(): Promise<number> {
    // A fresh snapshot: within a transaction the statistics would not move.
    await this.sql`SELECT pg_stat_clear_snapshot()`;
    const [row] = await this.sql<{ commits: string }[]>`
      SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()`;
    return Number(row?.commits ?? 0);
  }

  /** "agent unreachable" incidents opened for agents named `prefix-…`. */
  async unreachableIncidents(prefix: string): Promise<number> {
    const [row] = await this.sql<{ n: string }[]>`
      SELECT count(*) AS n FROM incidents i JOIN agents a ON a.id = i.agent_id
      WHERE i.check_id = '@liveness' AND a.name LIKE ${`${escapeLike(prefix)}-%`}`;
    return Number(row?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
