import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { silentLogger } from '@portwarden/common/logger';
// The controller's own pool settings and migrations, exactly as the quick start runs them.
import { createDb, type Sql } from '@portwarden/controller/store/db';
import { migrate } from '@portwarden/controller/store/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

const logger = silentLogger();
const STARTUP_MS = 60_000;

/** A promise and the function that resolves it, to step two clients in a known order. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * Opens a TCP connection and sends an SSLRequest: a PostgreSQL server answers 'N' (no TLS here).
 * Resolves with the answer, 'closed' when the server hangs up without one, or the error code.
 */
function sslProbe(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])),
    );
    socket.once('data', (data) => {
      resolve(data.toString('latin1'));
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.once('close', () => resolve('closed'));
  });
}

const rawClient = (url: string, max = 1) => postgres(url, { max, onnotice: () => {}, connect_timeout: 5 });

describe(
  'embedded PostgreSQL in memory, through the controller pool with max 1',
  { timeout: STARTUP_MS },
  () => {
    let pg: EmbeddedPostgres;
    let sql: Sql;

    beforeAll(async () => {
      pg = await startEmbeddedPostgres({ logger });
      sql = createDb({ url: pg.url, maxConnections: 1 });
    }, STARTUP_MS);

    afterAll(async () => {
      await sql?.end({ timeout: 5 });
      await pg?.stop();
    });

    it('serves the URL it reports, on loopback, as user and database postgres', async () => {
      expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(new URL(pg.url).port).not.toBe('0');
      const [row] = await sql<{ user: string; db: string; version: string }[]>`
      SELECT current_user AS user, current_database() AS db, version()`;
      expect(row).toMatchObject({ user: 'postgres', db: 'postgres' });
      expect(row!.version).toMatch(/^PostgreSQL \d+.*PGlite/);
    });

    it('applies the controller migrations once, under pg_advisory_xact_lock', async () => {
      expect(await migrate(sql, logger)).toBeGreaterThan(0);
      expect(await migrate(sql, logger)).toBe(0);
      const tables = await sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`;
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          'agents',
          'policy_revisions',
          'results',
          'check_state',
          'incidents',
          'outbox',
          'notifications',
        ]),
      );
    });

    it('pipelines many concurrent queries over its one connection, as named prepared statements', async () => {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          i % 2 === 0
            ? sql<{ v: number }[]>`SELECT ${i}::int8 + 1 AS v`
            : sql<{ v: string }[]>`SELECT ${`n${i}`}::text AS v`,
        ),
      );
      answers.forEach((rows, i) => expect(rows[0]!.v).toBe(i % 2 === 0 ? i + 1 : `n${i}`));
      // The pool's default `prepare: true` really prepared them, under non-empty names.
      const prepared = await sql<
        { name: string; statement: string }[]
      >`SELECT name, statement FROM pg_prepared_statements`;
      expect(prepared.some((p) => p.name !== '' && p.statement.includes('::int8 + 1'))).toBe(true);
    });

    it('commits, rolls back and uses savepoints in sql.begin', async () => {
      await sql`CREATE TABLE tx_probe (k text PRIMARY KEY)`;
      await sql.begin(async (tx) => {
        await tx`INSERT INTO tx_probe VALUES ('committed')`;
        await tx.savepoint(async (sp) => {
          await sp`INSERT INTO tx_probe VALUES ('savepoint-kept')`;
        });
        await tx
          .savepoint(async (sp) => {
            await sp`INSERT INTO tx_probe VALUES ('savepoint-undone')`;
            await sp`INSERT INTO tx_probe VALUES ('committed')`; // duplicate key: this savepoint rolls back
          })
          .catch(() => {});
      });
      await expect(
        sql.begin(async (tx) => {
          await tx`INSERT INTO tx_probe VALUES ('rolled-back')`;
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const keys = await sql<{ k: string }[]>`SELECT k FROM tx_probe ORDER BY k`;
      expect(keys.map((r) => r.k)).toEqual(['committed', 'savepoint-kept']);
    });

    it('holds pg_advisory_xact_lock until the transaction ends', async () => {
      const advisoryLocks = (q: Sql | postgres.TransactionSql) =>
        q<
          { n: number }[]
        >`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242`;
      const inside = await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(4242)`;
        return (await advisoryLocks(tx))[0]!.n;
      });
      expect(inside).toBe(1);
      expect((await advisoryLocks(sql))[0]!.n).toBe(0);
    });

    it('relays each outbox row once with FOR UPDATE SKIP LOCKED across concurrent transactions', async () => {
      const [agent] = await sql<
        { id: number }[]
      >`INSERT INTO agents (name) VALUES ('relay-probe') RETURNING id`;
      const [incident] = await sql<{ id: number }[]>`
      INSERT INTO incidents (agent_id, check_id, check_name, alert_group, reason, detail, opened_at)
      VALUES (${agent!.id}, 'web', 'Web', 'ops', 'refused', '', now()) RETURNING id`;
      const ids = await sql<{ id: number }[]>`
      INSERT INTO outbox (incident_id, event, payload)
      SELECT ${incident!.id}, 'opened', '{}'::jsonb FROM generate_series(1, 25) RETURNING id`;
      // The relay's own query shape (controller/src/outbox/relay.ts), four passes at once.
      const pass = () =>
        sql.begin(async (tx) => {
          const rows = await tx<{ id: number }[]>`
          SELECT id FROM outbox WHERE relayed_at IS NULL ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED`;
          if (rows.length > 0)
            await tx`UPDATE outbox SET relayed_at = now() WHERE id IN ${tx(rows.map((r) => r.id))}`;
          return rows.map((r) => r.id);
        });
      const taken = (await Promise.all([pass(), pass(), pass(), pass()])).flat();
      expect(taken.sort((a, b) => a - b)).toEqual(ids.map((r) => r.id).sort((a, b) => a - b));
      expect((await sql`SELECT id FROM outbox WHERE relayed_at IS NULL`).length).toBe(0);
    });

    it('closes a second client connection at once while the first is open, and the first keeps working', async () => {
      // postgres.js would retry such a connection in a loop (it closes during startup), so probe raw.
      expect(await sslProbe(pg.url)).toMatch(/^(closed|ECONNRESET)$/);
      expect((await sql<{ one: number }[]>`SELECT 1 AS one`)[0]!.one).toBe(1);
    });
  },
);

describe('embedded PostgreSQL with two connections allowed', { timeout: STARTUP_MS }, () => {
  let pg: EmbeddedPostgres;
  let pool: postgres.Sql;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres({ logger, maxConnections: 2 });
    pool = rawClient(pg.url, 2);
  }, STARTUP_MS);

  afterAll(async () => {
    await pool?.end({ timeout: 5 });
    await pg?.stop();
  });

  it('serializes whole transactions: another connection waits for COMMIT (no read-committed overlap)', async () => {
    await pool`CREATE TABLE serial_probe (k int)`;
    const inserted = gate();
    const finish = gate();
    const writer = pool.begin(async (tx) => {
      await tx`INSERT INTO serial_probe VALUES (1)`;
      inserted.open();
      await finish.wait;
      await tx`INSERT INTO serial_probe VALUES (2)`;
    });
    await inserted.wait;
    // On real PostgreSQL this read returns 0 at once; here it runs only after the writer commits.
    const reader = pool<{ n: number }[]>`SELECT count(*)::int AS n FROM serial_probe`;
    finish.open();
    await writer;
    expect((await reader)[0]!.n).toBe(2);
  });
});

describe('embedded PostgreSQL on a data directory', { timeout: STARTUP_MS }, () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pw-embedded-pg-'));
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps committed data across restarts, drops an open transaction on stop, and locks its directory', async () => {
    const dataDir = join(home, 'pgdata');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    await expect(startEmbeddedPostgres({ dataDir, logger })).rejects.toBeInstanceOf(ConfigError);

    expect(await sslProbe(first.url)).toBe('N');
    const sql = rawClient(first.url);
    await sql`CREATE TABLE kept (k text)`;
    await sql`INSERT INTO kept VALUES ('committed')`;
    const open = await sql.reserve();
    await open`BEGIN`;
    await open`INSERT INTO kept VALUES ('uncommitted')`;
    await first.stop(); // with the transaction still open
    open.release();
    await sql.end({ timeout: 1 });
    expect(await sslProbe(first.url)).toBe('ECONNREFUSED');

    const second = await startEmbeddedPostgres({ dataDir, logger });
    const again = rawClient(second.url);
    try {
      expect(await again`SELECT k FROM kept`).toEqual([{ k: 'committed' }]);
    } finally {
      await again.end({ timeout: 5 });
      await second.stop();
    }
  });
});
