import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './testing/until.js';

/** The repository root, where the README says to run `npm start`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The promise: a signalled `npm start` is gone, all of it, within 10 s. */
const STOP_MS = 10_000;

/** `npm start` in a process group of its own, so that the test can tell when all of it is gone. */
function npmStart(home: string): { npm: ChildProcess; stdout: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORTWARDEN_HOME: home,
    PORTWARDEN_HTTP_LISTEN: '127.0.0.1:0',
    PORTWARDEN_GRPC_LISTEN: '127.0.0.1:0',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(npm);
  let out = '';
  npm.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { npm, stdout: () => out };
}

/** True while any process of the group (npm, its shell, node, whatever they started) runs. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const started: ChildProcess[] = [];
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'pw-npm-start-signals-'));
});

afterAll(async () => {
  // Only what this test started: its own process groups.
  for (const { pid } of started) if (pid && groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  await rm(home, { recursive: true, force: true });
});

describe('npm start stops on a signal to its own pid', { timeout: 240_000 }, () => {
  const signals: [string, NodeJS.Signals, 'npm' | 'group'][] = [
    ['SIGTERM to npm', 'SIGTERM', 'npm'],
    ['SIGINT to npm', 'SIGINT', 'npm'],
    ['SIGINT to the process group, as Ctrl-C in a terminal', 'SIGINT', 'group'],
  ];
  it.each(signals)(
    '%s: every process gone within 10 s, the data lock released, and a new start works at once',
    async (_why, signal, to) => {
      const { npm, stdout } = npmStart(home);
      await until(
        'the banner',
        () => {
          if (npm.exitCode !== null)
            throw new Error(`npm start exited with ${npm.exitCode} before its banner`);
          return /^Stop: press Ctrl-C$/m.test(stdout());
        },
        180_000,
        200,
      );
      const exited = once(npm, 'exit');
      const signalled = Date.now();
      process.kill(to === 'group' ? -npm.pid! : npm.pid!, signal);
      await until('every process of npm start to exit', () => !groupAlive(npm.pid!), STOP_MS, 100);
      expect(Date.now() - signalled).toBeLessThan(STOP_MS);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(existsSync(join(home, 'pgdata.lock'))).toBe(false);
    },
  );
});
