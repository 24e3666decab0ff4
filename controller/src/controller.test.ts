import { createServer, type Server } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { createTestDatabase, type TestDatabase } from './testing/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

const listen = (port = 0) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise((resolve) => server.close(resolve));
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('controller start', () => {
  it('stops what it had started when a later part cannot start', async () => {
    const taken = await listen();
    const free = await listen();
    const httpPort = portOf(free);
    await close(free);
    const controller = createController({
      databaseUrl: db.url,
      grpcListen: `127.0.0.1:${portOf(taken)}`,
      httpListen: `127.0.0.1:${httpPort}`,
      dbMaxConnections: 2,
    });
    await expect(controller.start()).rejects.toThrow(/cannot listen for agents/);
    await close(taken);
    // The HTTP port it had bound is free again, and its database pool is closed.
    await close(await listen(httpPort));
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    const open = await admin`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = ${db.name} AND application_name = 'portwarden-controller'`;
    await admin.end();
    expect(open[0]?.n).toBe(0);
  });
});
