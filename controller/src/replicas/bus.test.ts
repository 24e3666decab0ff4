import { silentLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../testing/db.js';
import { createDb, type Sql } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createCheckOverrideStore } from '../store/check-overrides.js';
import { createPolicyStore } from '../store/policy-revisions.js';
import { until } from '@portwarden/common/testing';
import { capturedLogger } from '../enroll/testing/agent-client.js';
import { createReplicaBus, type ReplicaBus } from './bus.js';
import { CHANNELS } from './channels.js';

let db: TestDatabase;
/** Two replicas' pools on one database, and a third for the test's own statements. */
let sqlA: Sql;
let sqlB: Sql;
let admin: Sql;
let busA: ReplicaBus;
let busB: ReplicaBus;
const logsB = capturedLogger();

beforeAll(async () => {
  db = await createTestDatabase();
  [sqlA, sqlB, admin] = [1, 2, 3].map(() => createDb({ url: db.url, maxConnections: 2 })) as [Sql, Sql, Sql];
  await migrate(admin, silentLogger());
  const listenClient = () => createDb({ url: db.url, maxConnections: 1 });
  busA = createReplicaBus(sqlA, silentLogger(), { checkMs: 100, listenClient });
  busB = createReplicaBus(sqlB, logsB.logger, { checkMs: 100, listenClient });
  await Promise.all([busA.start(), busB.start()]);
});

afterAll(async () => {
  await busA?.stop();
  await busB?.stop();
  await Promise.all([sqlA, sqlB, admin].map((sql) => sql?.end()));
  await db?.drop();
});

/** The next payload `bus` hears on `channel`. */
const next = (bus: ReplicaBus, channel: (typeof CHANNELS)[keyof typeof CHANNELS]) =>
  new Promise<string>((resolve) => {
    const off = bus.on(channel, (payload) => {
      off();
      resolve(payload);
    });
  });

describe('the replica bus on PostgreSQL', () => {
  it("delivers one replica's NOTIFY to every replica, itself included", async () => {
    const heard = [next(busA, CHANNELS.testAsk), next(busB, CHANNELS.testAsk)];
    await busA.notify(CHANNELS.testAsk, 'hello');
    expect(await Promise.all(heard)).toEqual(['hello', 'hello']);
  });

  it('hears a policy revision and an override change on commit, from the triggers', async () => {
    const revision = next(busB, CHANNELS.policy);
    const saved = await createPolicyStore(admin).save('checks: []', { checks: [] } as never);
    expect(await revision).toBe(String(saved.revision));

    const overrides = next(busB, CHANNELS.overrides);
    await createCheckOverrideStore(admin).disable({
      checkId: 'web',
      agent: null,
      by: 'test',
      at: new Date(),
      comment: null,
    });
    expect(await overrides).toBe('');
  });

  it('sends nothing for a change rolled back', async () => {
    const heard: string[] = [];
    const off = busB.on(CHANNELS.overrides, (p) => heard.push(p));
    await admin
      .begin(async (tx) => {
        await tx`DELETE FROM check_overrides`;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    // A NOTIFY after it, on the same channel: when it arrives, an earlier one would have.
    const marker = next(busB, CHANNELS.overrides);
    await busA.notify(CHANNELS.overrides, 'marker');
    expect(await marker).toBe('marker');
    off();
    expect(heard).toEqual(['marker']);
  });

  it('tells its listeners when listening resumes after the connection was cut, and hears again', async () => {
    const resumed = new Promise<void>((resolve) => {
      const off = busB.onResume(() => {
        off();
        resolve();
      });
    });
    const cut = await admin`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`;
    expect(cut.length).toBeGreaterThan(0);
    await resumed;
    const heard = next(busB, CHANNELS.testAnswer);
    await busA.notify(CHANNELS.testAnswer, 'again');
    expect(await heard).toBe('again');
  });

  it('listens with a new connection when postgres.js could not listen again, and hears again', async () => {
    const resumed = new Promise<void>((resolve) => {
      const off = busB.onResume(() => {
        off();
        resolve();
      });
    });
    // No new connection to the database is allowed while the listening ones are cut: postgres.js
    // tries to listen again once, fails, and gives up.
    const server = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
    try {
      await server.unsafe(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
      await admin`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`;
      // The bus noticed: its ping went unheard and nothing listened again.
      await until('the bus to listen anew', () =>
        logsB.lines.some((l) => l.msg === 'no longer hearing other replicas; listening again'),
      );
      await server.unsafe(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
    } finally {
      await server.end();
    }
    await resumed;
    const heard = next(busB, CHANNELS.testAnswer);
    await busA.notify(CHANNELS.testAnswer, 'heard');
    expect(await heard).toBe('heard');
  });
});
