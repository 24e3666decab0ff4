import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SAME_SIGNAL_MS } from '@portwarden/common/stop-signals';
import { until } from '@portwarden/common/testing';
import { CutProxy } from './testing/cut-proxy.js';
import {
  createTestDatabase,
  deleteRedisPrefix,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestDatabase,
} from './testing/db.js';

/** The installed command; this test needs `npm run build` first. */
const BIN = fileURLToPath(new URL('../bin/portwarden-controller.js', import.meta.url));
/** The promise: a signalled controller is gone within 10 s, whatever its dependencies do. */
const STOP_MS = 10_000;

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; ms: number }>;
}

/** Every Redis prefix a controller here used: removed after, as the database is. */
const prefixes: string[] = [];

function startController(databaseUrl: string, redisUrl: string): Run {
  const args = ['--insecure', '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'info',
  };
  env.PORTWARDEN_REDIS_PREFIX = testRedisPrefix();
  prefixes.push(env.PORTWARDEN_REDIS_PREFIX);
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => (text += chunk));
  let signalledAt = 0;
  const exit = once(child, 'exit').then(([code]) => ({
    code: code as number | null,
    ms: Date.now() - signalledAt,
  }));
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt ||= Date.now();
    return kill(signal);
  };
  runs.push(child);
  return { child, output: () => text, exit };
}

const started = (run: Run) =>
  until('the controller to start', () => run.output().includes('"controller started"'), 30_000);

/** A Redis that accepts connections and never answers: the worst a network can do. */
async function silentRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket.on('error', () => {})));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const runs: ChildProcess[] = [];
let db: TestDatabase;

beforeAll(async () => {
  if (!existsSync(new URL('../dist/main.js', import.meta.url)))
    throw new Error('controller/dist is missing: run `npm run build` first');
  db = await createTestDatabase();
});

afterEach(() => {
  for (const child of runs.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await db?.drop();
  for (const prefix of prefixes) await deleteRedisPrefix(prefix);
});

describe('portwarden-controller stops on a signal', { timeout: 60_000 }, () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'within 10 s and with code 0 on %s while Redis never answers',
    async (signal) => {
      const redis = await silentRedis();
      try {
        const run = startController(db.url, redis.url);
        await started(run);
        run.child.kill(signal);
        const { code, ms } = await run.exit;
        expect({ code, fast: ms < STOP_MS }).toEqual({ code: 0, fast: true });
        expect(run.output()).toContain('"controller stopped"');
      } finally {
        await redis.close();
      }
    },
  );

  const outages: [string, (proxy: CutProxy) => Promise<void> | void][] = [
    ['cut (connections refused)', (proxy) => proxy.cut()],
    ['stalled (nothing answers)', (proxy) => proxy.stall()],
  ];
  it.each(outages)('within 10 s and with code 0 while PostgreSQL is %s', async (_why, outage) => {
    const proxy = await new CutProxy(Number(new URL(db.url).port)).start();
    try {
      const url = new URL(db.url);
      url.port = String(proxy.port);
      const run = startController(url.toString(), TEST_REDIS_URL);
      await started(run);
      await outage(proxy);
      run.child.kill('SIGTERM');
      const { code, ms } = await run.exit;
      expect({ code, fast: ms < STOP_MS }).toEqual({ code: 0, fast: true });
    } finally {
      await proxy.close();
    }
  });

  it('at once on a second signal', async () => {
    const redis = await silentRedis();
    try {
      const run = startController(db.url, redis.url);
      await started(run);
      run.child.kill('SIGTERM');
      await until('the stop to begin', () => run.output().includes('"stopping"'));
      // The same signal again at once is the same request (a terminal's Ctrl-C, forwarded): ignored.
      run.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, SAME_SIGNAL_MS));
      run.child.kill('SIGTERM');
      const { code } = await run.exit;
      expect(code).toBe(1);
      expect(run.output()).toContain('second signal');
    } finally {
      await redis.close();
    }
  });
});
