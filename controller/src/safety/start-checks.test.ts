import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { captureLogger } from '../notify/testing/observe.js';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../testing/db.js';
import { testController } from '../testing/controller.js';
import { deleteRedisPrefix } from '../notify/testing/redis.js';
import { closedPort, startRedisServer, type TestRedisServer } from '../testing/redis-server.js';
import { controllerOptions, type ControllerOptions } from '../options.js';
import { optionsRefusal, startChecksPart } from './start-checks.js';

let db: TestDatabase;
let evicting: TestRedisServer;
const prefix = testRedisPrefix();

beforeAll(async () => {
  db = await createTestDatabase();
  evicting = await startRedisServer('--maxmemory-policy', 'allkeys-lru');
});

afterAll(async () => {
  await evicting?.stop();
  await deleteRedisPrefix(prefix);
  await db?.drop();
});

/** Connections the controller opened to its database: none, when it refused before starting. */
async function controllerConnections(): Promise<number> {
  const admin = postgres(db.url, { max: 1, onnotice: () => {} });
  const rows = await admin`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = ${db.name} AND application_name = 'portwarden-controller'`;
  await admin.end();
  return rows[0]?.n as number;
}

describe('optionsRefusal of the HTTP listen address', () => {
  const tls = { caKey: 'k'.repeat(32) };
  // [why, options given, refused?]
  const cases: [string, Partial<ControllerOptions>, boolean][] = [
    ['HTTPS from the controller CA may listen anywhere', { tls, httpTlsFromCa: true }, false],
    ['beyond loopback a CA alone makes the HTTP API speak HTTPS', { tls }, false],
    ['a CA and plain HTTP by consent', { tls, httpInsecurePublic: true }, false],
    ['no CA, no certificate, no consent: plain HTTP, refused', {}, true],
    ['HTTPS with its own certificate may listen anywhere', { httpTls: { cert: 'C', key: 'K' } }, false],
    ['plain HTTP with consent', { httpInsecurePublic: true }, false],
  ];
  it.each(cases)('%s -> refused %s', (_why, given, refused) => {
    const options = controllerOptions({ databaseUrl: db.url, httpListen: '0.0.0.0:7480', ...given });
    expect(optionsRefusal(options) !== undefined).toBe(refused);
  });
});

describe('the controller refuses an unsafe configuration at start', () => {
  // The listen addresses are refused before anything binds: no test binds beyond loopback.
  const cases: [string, Parameters<typeof testController>[1], RegExp][] = [
    [
      'plaintext HTTP on every interface',
      { httpListen: '0.0.0.0:0' },
      /refusing plaintext HTTP on 0\.0\.0\.0:0/,
    ],
    ['--insecure gRPC on every interface', { grpcListen: '[::]:0' }, /refusing --insecure gRPC on \[::\]:0/],
  ];
  it.each(cases)('%s', async (_why, overrides, message) => {
    const controller = testController(db.url, overrides);
    const refused = controller.start();
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(message);
    expect(await controllerConnections()).toBe(0);
  });

  it('refuses TLS to PostgreSQL that verifies nothing', async () => {
    const controller = testController(`${db.url}?sslmode=require`);
    await expect(controller.start()).rejects.toThrow(/refusing --database-url with sslmode=require/);
    expect(await controllerConnections()).toBe(0);
  });

  it('refuses a Redis that evicts, with the fix', async () => {
    const controller = testController(db.url, { redisUrl: evicting.url, redisPrefix: prefix });
    const refused = controller.start();
    await expect(refused).rejects.toThrow(/maxmemory-policy is allkeys-lru/);
    await expect(refused).rejects.toHaveProperty(
      'hint',
      expect.stringContaining('CONFIG SET maxmemory-policy noeviction'),
    );
    expect(await controllerConnections()).toBe(0);
  });

  it('starts on a Redis that evicts when --allow-redis-eviction says so', async () => {
    const controller = testController(db.url, {
      redisUrl: evicting.url,
      redisPrefix: prefix,
      allowRedisEviction: true,
    });
    await controller.start();
    await controller.stop();
  });

  it('lets the start go on with a warning when Redis cannot be asked: delivery waits for it as for any outage', async () => {
    const { logger, lines } = captureLogger();
    const redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    await startChecksPart(controllerOptions({ databaseUrl: db.url, redisUrl, logger })).start?.(
      new AbortController().signal,
    );
    const warned = lines.items.filter((line) =>
      line.msg.startsWith('cannot ask Redis for its maxmemory-policy'),
    );
    expect(warned).toHaveLength(1);
  });
});
