import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@portwarden/common/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { truncationMarker } from './capture.js';
import { createRunner, windowsTreeKill } from './runner.js';
import { INJECTION_CORPUS } from './testing/corpus.js';
import { InvalidCommandError } from './validate.js';

const posix = process.platform !== 'win32';
const node = process.execPath;
/** `node -e SCRIPT -- ARGS...`: the script sees ARGS as process.argv.slice(1). */
const script = (source: string, ...args: string[]) => ({ file: node, args: ['-e', source, '--', ...args] });
const PRINT_ARGV = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!posix)('the real runner', () => {
  const run = createRunner();

  it('passes every string of the injection corpus verbatim, as one argv entry each', async () => {
    const canary = path.join(dir, 'pwned');
    const hostile = [...INJECTION_CORPUS, `; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``];
    const result = await run({ ...script(PRINT_ARGV, ...hostile), timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout.toString('utf8'))).toEqual(hostile);
    expect(existsSync(canary)).toBe(false);
  });

  it('hands /bin/echo the same words, uninterpreted', async () => {
    const words = ['$(id)', '`id`', '; id', '%COMSPEC%', "'quoted'", '"double"', '&', '|', 'a\nb'];
    const result = await run({ file: '/bin/echo', args: words, timeoutMs: 10_000 });
    expect(result.stdout.toString('utf8')).toBe(`${words.join(' ')}\n`);
  });

  it('passes a 10 kB argument through intact', async () => {
    const big = 'x'.repeat(5_000) + '$(id);`id`' + 'y'.repeat(5_000);
    const result = await run({ ...script(PRINT_ARGV, big), timeoutMs: 10_000 });
    expect(JSON.parse(result.stdout.toString('utf8'))).toEqual([big]);
  });

  it('refuses an invalid command before starting anything', async () => {
    await expect(run({ file: 'node', args: [], timeoutMs: 1000 })).rejects.toBeInstanceOf(
      InvalidCommandError,
    );
    await expect(run({ file: node, args: ['a\u0000b'], timeoutMs: 1000 })).rejects.toThrow('NUL character');
  });

  it('reports a program that cannot start, without throwing', async () => {
    const result = await run({ file: path.join(dir, 'missing'), args: [], timeoutMs: 1000 });
    expect(result).toMatchObject({ exitCode: null, spawnError: 'ENOENT', timedOut: false });
  });

  it('returns exit code, stdin, environment and stderr', async () => {
    const source =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(s+"|"+process.env.PW_X);process.stderr.write("err");process.exit(3)})';
    const result = await run({ ...script(source), timeoutMs: 10_000, input: 'hello', env: { PW_X: 'y z' } });
    expect(result).toMatchObject({ exitCode: 3, timedOut: false });
    expect(result.stdout.toString()).toBe('hello|y z');
    expect(result.stderr.toString()).toBe('err');
  });

  it('kills the whole process tree when the timeout fires', async () => {
    // The child starts a grandchild that would sleep for a minute, prints its pid, and waits.
    const source =
      'const c=require("child_process").spawn("/bin/sleep",["60"],{stdio:"ignore"});process.stdout.write(String(c.pid));setInterval(()=>{},1000)';
    const result = await run({ ...script(source), timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    const grandchild = Number(result.stdout.toString());
    expect(grandchild).toBeGreaterThan(0);
    await vi.waitFor(() => expect(alive(grandchild)).toBe(false), { timeout: 5_000, interval: 50 });
  });

  it('kills the process tree when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = run({
      ...script('setInterval(()=>{},1000)'),
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort();
    expect(await pending).toMatchObject({ timedOut: true, exitCode: null });
  });

  it('does not wait for (or kill) a daemon that inherited the output pipes once the program exits', async () => {
    const runner = createRunner({ drainMs: 100 });
    const source =
      'const c=require("child_process").spawn("/bin/sleep",["30"],{stdio:"inherit",detached:true});process.stdout.write(String(c.pid));c.unref();process.exit(0)';
    const result = await runner({ ...script(source), timeoutMs: 20_000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.durationMs).toBeLessThan(10_000);
    const daemon = Number(result.stdout.toString());
    expect(alive(daemon)).toBe(true);
    process.kill(daemon, 'SIGKILL');
  });

  it('keeps at most maxOutputBytes of each stream and marks the cut', async () => {
    const runner = createRunner({ maxOutputBytes: 1024 });
    const source = 'process.stdout.write("a".repeat(200000));process.stderr.write("b".repeat(3000))';
    const result = await runner({ ...script(source), timeoutMs: 10_000 });
    expect(result.stdout.subarray(0, 1024).toString()).toBe('a'.repeat(1024));
    expect(result.stdout.toString().slice(1024)).toBe(`\n${truncationMarker(200_000 - 1024)}\n`);
    expect(result.stderr.toString().endsWith(`${truncationMarker(3000 - 1024)}\n`)).toBe(true);
  });

  it('logs commands with their secrets redacted', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'test', level: 'debug', destination });
    const runner = createRunner({ logger });
    const source = 'process.stderr.write("login failed for password=hunter2 with s3cr3t");process.exit(1)';
    await runner({
      ...script(source, '--password', 'hunter2', 'token=abc123', 's3cr3t'),
      timeoutMs: 10_000,
      secrets: ['s3cr3t'],
    });
    const logged = lines.join('');
    expect(logged).toContain('command failed');
    expect(logged).toContain('[redacted]');
    for (const secret of ['hunter2', 'abc123', 's3cr3t']) expect(logged).not.toContain(secret);
  });
});

/** Whether a process exists and is not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('the Windows tree kill', () => {
  it('is taskkill /T /F /PID by absolute path under %SystemRoot%, spaces and all', () => {
    expect(windowsTreeKill(4242, { SystemRoot: 'D:\\My Windows' })).toEqual({
      file: 'D:\\My Windows\\System32\\taskkill.exe',
      args: ['/T', '/F', '/PID', '4242'],
    });
    expect(windowsTreeKill(7, {}).file).toBe('C:\\Windows\\System32\\taskkill.exe');
  });
});
