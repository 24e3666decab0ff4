import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { TEST_REDIS_URL, testRedisPrefix } from '@portwarden/controller/testing';
import { portwarden } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { WebhookReceiver } from '../support/receiver.js';
import { FlakyService } from '../support/tcp-server.js';

const PLANTED = 'planted-7f3a9c';
/** The value as pg_dump would write it in a bytea, were it stored in clear. */
const PLANTED_HEX = Buffer.from(PLANTED).toString('hex');

/** Every line the controller logs, at debug, raw. */
const logLines: string[] = [];
const logger = createLogger({
  name: 'controller',
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  }),
});

/**
 * The acceptance for secrets: a value planted as a secret reaches the webhook receiver,
 * and is found nowhere else: not in Redis, not in a pg_dump, not in the logs, not in an API answer.
 */
describe('a planted secret', () => {
  const redisPrefix = testRedisPrefix();
  const fleet = new Fleet({
    redis: true,
    controller: { tls: { caKey: 'the CA key secret of the planted-secret test' }, redisPrefix, logger },
  });
  const receiver = new WebhookReceiver();
  const service = new FlakyService();
  /** Every API answer's body, as sent. */
  const answers: string[] = [];
  let viewer: { authorization: string };

  const call = async (
    method: string,
    path: string,
    body?: string,
    type = 'text/plain',
    auth = fleet.auth,
  ) => {
    const response = await fetch(new URL(path, fleet.httpUrl), {
      method,
      headers: { ...auth, ...(body !== undefined && { 'content-type': type }) },
      ...(body !== undefined && { body }),
    });
    const text = await response.text();
    answers.push(text);
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return text;
  };

  beforeAll(async () => {
    await Promise.all([fleet.start(), receiver.start(), service.start()]);
    const created = await call(
      'POST',
      '/api/v1/api-tokens',
      JSON.stringify({ role: 'viewer', name: 'v' }),
      'application/json',
    );
    viewer = { authorization: `Bearer ${(JSON.parse(created) as { token: string }).token}` };
  });

  afterAll(async () => {
    await fleet.stop();
    await receiver.stop();
    await service.stop();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('reaches the receiver, resolved at the moment of sending', async () => {
    // Set as a user would: piped into the CLI, with the newline `echo` adds.
    const cli = (args: string[], input?: string) =>
      portwarden(['--url', fleet.httpUrl, ...args], { PORTWARDEN_TOKEN: fleet.admin.token }, input);
    const set = await cli(['secret', 'set', 'pagerduty'], `${PLANTED}\n`);
    expect(set).toMatchObject({ code: 0, stdout: 'secret "pagerduty" created\n' });
    const list = await cli(['secret', 'list']);
    expect(list.stdout).toMatch(/^pagerduty\s/m);
    answers.push(set.stdout, set.stderr, list.stdout, list.stderr);
    const applied = await call(
      'PUT',
      '/api/v1/policy',
      `
alertGroups:
  ops:
    channels:
      - webhook:
          url: '${receiver.url}'
          headers: { Authorization: "Bearer \${secret:pagerduty}" }
checks:
  - { name: web, port: ${service.port}, interval: 200ms, timeout: 500ms, failuresBeforeAlert: 1, alertGroup: ops }
`,
      'application/yaml',
    );
    expect(JSON.parse(applied)).toMatchObject({ warnings: [] });
    const token = await call(
      'POST',
      '/api/v1/tokens',
      JSON.stringify({ labels: {}, ttl: '10m' }),
      'application/json',
    );
    await fleet.addAgent('web-1', {}, undefined, {
      tls: { enrollToken: (JSON.parse(token) as { token: string }).token },
    });
    await service.stop();
    await receiver.waitFor(1);
    expect(receiver.received[0]!.headers.authorization).toBe(`Bearer ${PLANTED}`);
  });

  it('is nowhere in Redis, the BullMQ jobs included', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const dump: string[] = [];
    try {
      for (const key of await redis.keys(`${redisPrefix}:*`)) dump.push(key, await dumpKey(redis, key));
    } finally {
      await redis.quit();
    }
    const text = dump.join('\n');
    expect(text).toContain('outboxId'); // the dump did read a job
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain(PLANTED_HEX);
  });

  it('is nowhere in a pg_dump, whose secrets table holds ciphertext', async () => {
    const sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await until('the notification recorded sent', async () => {
      const [row] = await sql`SELECT 1 FROM notifications WHERE status = 'sent'`;
      return row;
    });
    await sql.end();
    const { stdout } = await promisify(execFile)(
      'pg_dump',
      ['-h', '127.0.0.1', '-U', 'postgres', fleet.db.name],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(stdout).toMatch(/COPY public\.secrets .*\npagerduty\t\\\\x[0-9a-f]+\t/);
    expect(stdout).toContain('${secret:pagerduty}'); // the policy keeps the reference
    expect(stdout).not.toContain(PLANTED);
    expect(stdout).not.toContain(PLANTED_HEX);
  });

  it('is in no log line', () => {
    expect(logLines.some((line) => line.includes('notification sent'))).toBe(true);
    expect(logLines.filter((line) => line.includes(PLANTED))).toEqual([]);
  });

  it('is in no API answer, for an admin or a viewer', async () => {
    for (const path of [
      '/api/v1/policy',
      '/api/v1/secrets',
      '/api/v1/incidents',
      '/api/v1/audit',
      '/api/v1/checks',
    ])
      await call('GET', path);
    for (const path of ['/api/v1/policy', '/api/v1/incidents', '/api/v1/checks'])
      await call('GET', path, undefined, undefined, viewer);
    expect(answers.join('\n')).toContain('pagerduty');
    expect(answers.filter((answer) => answer.includes(PLANTED))).toEqual([]);
  });

  it('deleted after apply, fails the next delivery for good, with the reason', async () => {
    const deleted = await portwarden(['--url', fleet.httpUrl, 'secret', 'delete', 'pagerduty'], {
      PORTWARDEN_TOKEN: fleet.admin.token,
    });
    expect(deleted).toMatchObject({ code: 0, stdout: 'secret "pagerduty" deleted\n' });
    await service.start(); // the incident resolves: a second notification, to the same channel
    const sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    try {
      const failed = await until('the resolved notification failed', async () => {
        const [row] = await sql<{ error: string; attempts: number }[]>`
          SELECT error, attempts FROM notifications WHERE status = 'failed'`;
        return row;
      });
      expect(failed.attempts).toBe(1);
      expect(failed.error).toContain('secret "pagerduty", which no longer exists');
    } finally {
      await sql.end();
    }
    expect(receiver.received).toHaveLength(1);
  });
});

async function dumpKey(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}
