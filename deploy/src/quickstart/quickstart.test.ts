import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '@portwarden/common/logger';
import {
  createTestDatabase,
  deleteRedisPrefix,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestDatabase,
} from '@portwarden/controller/testing';
import {
  isLoopbackUrl,
  reachable,
  reachableUrl,
  startQuickstart,
  type QuickstartInfo,
} from './quickstart.js';
import { EXAMPLE_POLICY_FILE, readSettings, type QuickstartSettings } from './settings.js';
import { createStopStack, type StopStack } from './stop-stack.js';
import { getJson, until } from './testing/until.js';

const logger = silentLogger();

interface AgentView {
  name: string;
  labels: Record<string, string>;
  connected: boolean;
  configRevision: number;
}
interface CheckView {
  agent: string;
  checkId: string;
  status: string;
}

describe('startQuickstart on embedded defaults', { timeout: 120_000 }, () => {
  let home: string;
  let settings: QuickstartSettings;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pw-quickstart-'));
    const env = {
      PORTWARDEN_HOME: home,
      PORTWARDEN_HTTP_LISTEN: '127.0.0.1:0',
      PORTWARDEN_GRPC_LISTEN: '127.0.0.1:0',
    };
    settings = { ...readSettings(env, home), agentName: 'quickstart-test' };
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  async function run<T>(body: (info: QuickstartInfo) => Promise<T>): Promise<T> {
    const stack: StopStack = createStopStack(logger);
    try {
      return await body(
        await startQuickstart({ settings, logger, stack, signal: new AbortController().signal }),
      );
    } finally {
      expect(await stack.stopAll()).toBe(true);
    }
  }

  it('runs the controller, the example policy and a local agent whose results arrive; a restart keeps the policy in force', async () => {
    await run(async (info) => {
      expect(info).toMatchObject({
        database: { embedded: true, dataDir: join(home, 'pgdata') },
        queue: { redis: false },
        policy: { revision: 1, appliedFrom: EXAMPLE_POLICY_FILE },
        agent: { name: 'quickstart-test', labels: { role: 'quickstart' }, stateDir: join(home, 'agent') },
        adminTokenFile: join(home, 'admin-token'),
      });
      const agent = await until('the local agent to run revision 1', async () => {
        const { agents } = await getJson<{ agents: AgentView[] }>(
          `${info.httpUrl}/api/v1/agents`,
          info.adminTokenFile,
        );
        return agents.find((a) => a.name === 'quickstart-test' && a.connected && a.configRevision === 1);
      });
      expect(agent.labels).toEqual({ role: 'quickstart' });
      // Each check's first probe runs within 10 s; its result then goes through ingest on PGlite.
      const checks = await until('a result for every example check', async () => {
        const body = await getJson<{ checks: CheckView[] }>(
          `${info.httpUrl}/api/v1/checks`,
          info.adminTokenFile,
        );
        return body.checks.every((c) => c.status === 'up' || c.status === 'down') && body.checks;
      });
      expect(checks.map((c) => `${c.agent}/${c.checkId}`).sort()).toEqual(
        [
          'e-mail-receive-imap',
          'e-mail-receive-pop3',
          'e-mail-send-smtp',
          'ftp',
          'secure-web-https',
          'web-http',
        ].map((id) => `quickstart-test/${id}`),
      );
      // An operator changes the policy; the next start must not put the example back.
      const changed = (await readFile(EXAMPLE_POLICY_FILE, 'utf8')).replace('port: 80', 'port: 8080');
      const response = await fetch(`${info.httpUrl}/api/v1/policy`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/yaml',
          authorization: `Bearer ${(await readFile(info.adminTokenFile, 'utf8')).trim()}`,
        },
        body: changed,
      });
      expect(response.status).toBe(201);
    });

    await run(async (info) => {
      expect(info.policy).toEqual({ revision: 2 });
      const policy = await getJson<{ revision: number; source: string }>(
        `${info.httpUrl}/api/v1/policy`,
        info.adminTokenFile,
      );
      expect(policy.revision).toBe(2);
      expect(policy.source).toContain('port: 8080');
    });
  });
});

describe('startQuickstart with DATABASE_URL and REDIS_URL', { timeout: 120_000 }, () => {
  let home: string;
  let db: TestDatabase;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pw-quickstart-external-'));
    db = await createTestDatabase('pw_quickstart');
  });

  afterAll(async () => {
    await db?.drop();
    await deleteRedisPrefix(prefix);
    await rm(home, { recursive: true, force: true });
  });

  it('uses them: no embedded database, the policy in that database, notifications through BullMQ', async () => {
    const lines: { msg?: string; mode?: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as never);
        done();
      },
    });
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      PORTWARDEN_REDIS_PREFIX: prefix,
      PORTWARDEN_HOME: home,
      PORTWARDEN_HTTP_LISTEN: '127.0.0.1:0',
      PORTWARDEN_GRPC_LISTEN: '127.0.0.1:0',
    };
    const settings = { ...readSettings(env, home), agentName: 'quickstart-external' };
    const logger = createLogger({ name: 'quickstart', destination });
    const stack = createStopStack(logger);
    try {
      const info = await startQuickstart({ settings, logger, stack, signal: new AbortController().signal });
      expect(info.database).toEqual({ embedded: false, where: `${new URL(db.url).host}/${db.name}` });
      expect(info.queue).toEqual({ redis: true, where: new URL(TEST_REDIS_URL).host });
      expect(info.policy).toEqual({ revision: 1, appliedFrom: EXAMPLE_POLICY_FILE });
      await until('the local agent to connect', async () => {
        const { agents } = await getJson<{ agents: AgentView[] }>(
          `${info.httpUrl}/api/v1/agents`,
          info.adminTokenFile,
        );
        return agents.find((a) => a.name === 'quickstart-external' && a.connected);
      });
    } finally {
      expect(await stack.stopAll()).toBe(true);
    }
    expect(lines.find((l) => l.msg === 'notifications started')?.mode).toBe('bullmq');
    expect(existsSync(join(home, 'pgdata'))).toBe(false);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      expect(await sql`SELECT revision FROM policy_revisions`).toEqual([{ revision: '1' }]);
    } finally {
      await sql.end();
    }
  });
});

describe('reachable addresses', () => {
  it.each([
    ['0.0.0.0:7443', '127.0.0.1:7443'],
    ['[::]:7443', '[::1]:7443'],
    ['127.0.0.1:7443', '127.0.0.1:7443'],
    ['[::1]:7443', '[::1]:7443'],
    ['ctl.example:7443', 'ctl.example:7443'],
  ])('agent dials %s as %s', (bound, dialed) => expect(reachable(bound)).toBe(dialed));

  it.each([
    ['http://0.0.0.0:7480', 'http://127.0.0.1:7480'],
    ['http://[::]:7480', 'http://[::1]:7480'],
    ['http://127.0.0.1:7480', 'http://127.0.0.1:7480'],
  ])('the banner shows %s as %s', (bound, shown) => expect(reachableUrl(bound)).toBe(shown));

  // [bound HTTP URL, loopback only?, why]
  it.each([
    ['http://127.0.0.1:7480', true, 'the default'],
    ['http://127.0.0.2:7480', true, 'all of 127.0.0.0/8 is loopback'],
    ['http://[::1]:7480', true, 'IPv6 loopback'],
    ['http://localhost:7480', true, 'the name'],
    ['http://0.0.0.0:7480', false, 'a wildcard listens on every interface'],
    ['http://[::]:7480', false, 'same for IPv6'],
    ['http://192.168.1.5:7480', false, 'a network address'],
  ])('the banner calls %s loopback only: %s (%s)', (bound, loopback) =>
    expect(isLoopbackUrl(bound)).toBe(loopback),
  );
});
