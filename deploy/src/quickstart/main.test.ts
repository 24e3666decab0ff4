import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, until } from './testing/until.js';

/** The file `npm start` runs: this test needs `npm run build` first (as `npm test` does). */
const MAIN = fileURLToPath(new URL('../../dist/quickstart/main.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function quickstartEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORTWARDEN_HOME: home,
    PORTWARDEN_HTTP_LISTEN: '127.0.0.1:0',
    PORTWARDEN_GRPC_LISTEN: '127.0.0.1:0',
    LOG_LEVEL: 'debug',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.PORTWARDEN_LOG_FORMAT;
  delete env.NO_COLOR;
  return env;
}

/** `script` (util-linux) runs a command on a pseudo-terminal, as a person's `npm start` does. */
const SCRIPT = '/usr/bin/script';

function start(home: string, onTerminal = false): Run {
  const env = quickstartEnv(home);
  const child = onTerminal
    ? // -e: script exits with the quick start's code. stdin is the terminal's keyboard.
      spawn(SCRIPT, ['-qfec', `exec ${process.execPath} ${MAIN}`, '/dev/null'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Resolves with stdout once the banner's last line is out; rejects if the process exits first. */
function banner(run: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (/^Stop: press Ctrl-C\r?$/m.test(run.stdout())) resolve(run.stdout());
    };
    run.child.stdout!.on('data', check);
    void run.exit.then(({ code }) =>
      reject(new Error(`quick start exited with ${code} before its banner:\n${run.stderr()}`)),
    );
    check();
  });
}

/** The JSON log lines on stderr. */
function events(run: Run): { msg?: string; component?: string; level?: number }[] {
  return run
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; component?: string });
}

describe('npm start (deploy/dist/quickstart/main.js)', { timeout: 120_000 }, () => {
  let home: string;
  const runs: Run[] = [];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    home = await mkdtemp(join(tmpdir(), 'pw-npm-start-'));
  });

  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('prints where to look, refuses a second copy on the same home, and stops agent, controller, database on SIGINT with exit 0', async () => {
    const first = start(home);
    runs.push(first);
    const text = await banner(first);
    const httpUrl = /^Portwarden HTTP API: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1];
    expect(httpUrl).toBeDefined();
    expect(text).toContain(`Portwarden web UI: ${httpUrl}/ `);
    expect(text).toMatch(/^Portwarden mode: insecure, loopback only /m);
    expect(text).toMatch(
      new RegExp(`^Portwarden database: embedded PGlite at ${join(home, 'pgdata')}$`, 'm'),
    );
    expect(text).toMatch(/^Portwarden notifications: in-process delivery \(no REDIS_URL\)$/m);
    expect(text).toMatch(
      /^Portwarden policy: revision 1, the example from .*deploy\/quickstart\/policy\.yaml$/m,
    );
    expect(text).toMatch(new RegExp(`^Portwarden admin token: ${join(home, 'admin-token')} \\(`, 'm'));
    expect(text).toContain(
      `Try: npx portwarden --url ${httpUrl} --token "$(cat ${join(home, 'admin-token')})" get checks`,
    );
    // stdout is the banner only; logs are JSON on stderr.
    expect(text.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    expect(
      await getJson<{ revision: number }>(`${httpUrl}/api/v1/policy`, join(home, 'admin-token')),
    ).toMatchObject({ revision: 1 });
    const agent = await until('the local agent to be connected', async () => {
      const { agents } = await getJson<{
        agents: { name: string; connected: boolean; labels: Record<string, string> }[];
      }>(`${httpUrl}/api/v1/agents`, join(home, 'admin-token'));
      return agents.find((a) => a.connected);
    });
    expect(agent.labels).toEqual({ role: 'quickstart' });

    const second = start(home);
    runs.push(second);
    expect(await second.exit).toEqual({ code: 2, signal: null });
    expect(second.stderr()).toMatch(/portwarden quick start: .*pgdata is in use by process \d+/);
    expect(second.stdout()).toBe('');

    first.child.kill('SIGINT');
    expect(await first.exit).toEqual({ code: 0, signal: null });
    const stopped = events(first)
      .filter((e) => e.msg === 'stopped')
      .map((e) => e.component);
    expect(stopped).toEqual(['agent', 'controller', 'embedded-postgres']);
    expect(existsSync(join(home, 'pgdata.lock'))).toBe(false);
  });

  it.skipIf(!existsSync(SCRIPT))(
    'on a terminal: readable log lines, a coloured banner, and Ctrl-C stops it with exit 0',
    async () => {
      const run = start(home, true);
      runs.push(run);
      // A pseudo-terminal has one output: logs (stderr) and the banner (stdout) both arrive here.
      const text = await banner(run);
      const lines = text.split(/\r?\n/);
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
      expect(lines).toContainEqual(
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.* \(quickstart\): /),
      );
      expect(text).toContain(`\x1b[1;36m${'='.repeat(72)}\x1b[0m`);
      expect(text).toMatch(/^Portwarden HTTP API: http:\/\/127\.0\.0\.1:\d+\r?$/m);
      run.child.stdin!.write('\x03');
      expect(await run.exit).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toMatch(/stopping.*SIGINT/);
    },
  );
});
