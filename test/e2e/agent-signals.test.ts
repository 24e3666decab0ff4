import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEnrollmentToken, newTokenSecret } from '@portwarden/common/enrollment-token';
import { FlakyService } from '../support/tcp-server.js';

const AGENT = fileURLToPath(new URL('../../agent/bin/portwarden-agent.js', import.meta.url));

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Resolves with the first line of the child's stdout that contains `text`. */
function lineWith(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((l) => l.includes(text));
      if (line) resolve(line);
    });
  });
}

describe('the agent binary on SIGTERM', () => {
  it('stops cleanly while it is still enrolling, and exits 0', async () => {
    // A port where nothing listens: every enrollment attempt fails and the agent retries.
    const nothing = await new FlakyService().start();
    await nothing.stop();
    const stateDir = await mkdtemp(join(tmpdir(), 'pw-signals-'));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const token = formatEnrollmentToken({ secret: newTokenSecret(), caFingerprint: randomBytes(32) });
    const args = ['--controller', `127.0.0.1:${nothing.port}`, '--name', 'a', '--state-dir', stateDir];
    const child = spawn(process.execPath, [AGENT, ...args, '--enroll-token', token], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    cleanup.push(() => (child.kill('SIGKILL'), exited));

    await lineWith(child, 'enrollment attempt failed');
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('still running 10 s after SIGTERM')), 10_000);
    });
    const [code] = await Promise.race([exited, hung]).finally(() => clearTimeout(timer));
    expect(code).toBe(0);
  });
});

describe('the agent binary as the Windows service wrapper runs it', () => {
  it('reads its settings from --environment-file and stops on SIGINT (WinSW sends Ctrl+C) well within 15 s', async () => {
    const nothing = await new FlakyService().start();
    await nothing.stop();
    const stateDir = await mkdtemp(join(tmpdir(), 'pw-service-'));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const envFile = join(stateDir, 'agent.env');
    await writeFile(
      envFile,
      `# as service configure writes it\r\nPORTWARDEN_CONTROLLER=127.0.0.1:${nothing.port}\r\nPORTWARDEN_AGENT_NAME='from-env-file'\r\n`,
    );
    const child = spawn(
      process.execPath,
      [AGENT, '--environment-file', envFile, '--state-dir', stateDir, '--insecure'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'info', PORTWARDEN_CONTROLLER: '', PORTWARDEN_AGENT_NAME: '' },
      },
    );
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    cleanup.push(() => (child.kill('SIGKILL'), exited));

    const started = JSON.parse(await lineWith(child, 'agent started')) as {
      name: string;
      controllers: string[];
    };
    expect(started).toMatchObject({ name: 'from-env-file', controllers: [`127.0.0.1:${nothing.port}`] });
    const since = Date.now();
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('still running 15 s after SIGINT')), 15_000);
    });
    const [code] = await Promise.race([exited, hung]).finally(() => clearTimeout(timer));
    expect(code).toBe(0);
    expect(Date.now() - since).toBeLessThan(10_000);
  });
});

describe('the agent binary with a settings file that is missing', () => {
  it('exits 2 with one line naming the file (Node would take --env-file itself and exit 9)', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pw-envfile-'));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const missing = join(stateDir, 'agent.env');
    const child = spawn(process.execPath, [AGENT, '--environment-file', missing, '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(missing);
  });
});
