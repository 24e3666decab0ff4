import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@portwarden/common/errors';

/**
 * A Wine prefix of our own: a C: drive and registry that nothing else on the machine uses, so a
 * build or a test never touches (or depends on) the user's ~/.wine, and `wineserver -k` with it
 * ends only what we started there.
 */
export interface WinePrefix {
  dir: string;
  /** The environment every wine command of this prefix runs with. */
  env: NodeJS.ProcessEnv;
}

/** Written once the prefix is fully set up, so that a half-made prefix is made again. */
const READY = 'portwarden-prefix-ready';

/** Throws a ConfigError with the hint to install Wine when `wine` is not on the PATH. */
export function requireWine(env: NodeJS.ProcessEnv = process.env): void {
  for (const command of ['wine', 'wineserver']) {
    const found = spawnSync(command, ['--version'], { stdio: 'ignore', env });
    if (found.error)
      throw new ConfigError(
        `${command} is not installed: the Windows build and its test run node.exe under Wine`,
        'install it, e.g. `apt-get install wine` on Debian (Wine 8 or later)',
      );
  }
}

export function wineEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: dir,
    // Wine's own debug chatter would otherwise mix into every output file.
    WINEDEBUG: '-all',
    // No prompts to install Mono or Gecko: nothing here needs .NET or a browser engine.
    WINEDLLOVERRIDES: 'mscoree=;mshtml=',
  };
}

/**
 * Opens the prefix at `dir`, creating it first when it is not ready: `wineboot -i`, then Windows
 * 10 as the version (a fresh prefix says Windows 7, where Node 22 refuses to start with 216).
 */
export async function createWinePrefix(dir: string): Promise<WinePrefix> {
  requireWine();
  const prefix = { dir: path.resolve(dir), env: wineEnv(path.resolve(dir)) };
  const ready = path.join(prefix.dir, READY);
  if (await exists(ready)) return prefix;
  await mkdir(prefix.dir, { recursive: true });
  const logs = path.join(prefix.dir, 'setup');
  await mkdir(logs, { recursive: true });
  for (const [name, args] of [
    ['wineboot', ['wineboot', '-i']],
    ['winecfg', ['wine', 'winecfg', '-v', 'win10']],
  ] as const) {
    const { code } = await runToFiles(prefix, args[0], args.slice(1), path.join(logs, name));
    if (code !== 0)
      throw new Error(`${args.join(' ')} in ${prefix.dir} exited ${code}; see ${path.join(logs, name)}.err`);
  }
  // The registry is written by wineserver when it goes idle: wait for that before calling it done.
  await waitWineServer(prefix);
  await writeFile(ready, 'win10\n');
  return prefix;
}

/**
 * The Windows path of a Unix path, through the Z: drive a prefix maps to `/`. Pure, so no wine
 * process is started for it (winepath would take a second each).
 */
export function toWindowsPath(unixPath: string): string {
  return `Z:${path.resolve(unixPath).replaceAll('/', '\\')}`;
}

/** Where a path on the prefix's C: drive (`C:\ProgramData\X`) is on the Unix side. */
export function driveCPath(prefix: WinePrefix, windowsPath: string): string {
  const match = /^[cC]:\\(.*)$/.exec(windowsPath);
  if (!match) throw new Error(`not a path on C: ${windowsPath}`);
  return path.join(prefix.dir, 'drive_c', ...match[1]!.split('\\').filter(Boolean));
}

export interface WineRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Windows program to the end and returns what it wrote. Its stdout and stderr go to FILES
 * (`<outBase>.out`, `<outBase>.err`): under Wine a Windows process writing to a pipe fails with
 * EBADF.
 */
export async function runWine(
  prefix: WinePrefix,
  args: string[],
  options: { outBase: string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<WineRun> {
  const run = await runToFiles(prefix, 'wine', args, options.outBase, options);
  const [stdout, stderr] = await Promise.all([
    readFile(`${options.outBase}.out`, 'utf8'),
    readFile(`${options.outBase}.err`, 'utf8'),
  ]);
  return { ...run, stdout, stderr };
}

/**
 * Starts `wine ...args` in a process group of its own, its output into the two files; the caller
 * waits for it or kills the group (see killWineProcess).
 */
export async function spawnWine(
  prefix: WinePrefix,
  args: string[],
  options: { outBase: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<ChildProcess> {
  return spawnToFiles(prefix, 'wine', args, options.outBase, options);
}

/** SIGKILL to the wine process's whole group: the loader and the Windows process under it. */
export async function killWineProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}

/** Ends every process of this prefix (and its wineserver); other prefixes are not affected. */
export async function killWineServer(prefix: WinePrefix): Promise<void> {
  await runToFiles(prefix, 'wineserver', ['-k'], null).catch(() => undefined);
  await waitWineServer(prefix);
}

/** Waits until the prefix's wineserver has exited (it lingers a few seconds after the last process). */
export async function waitWineServer(prefix: WinePrefix): Promise<void> {
  await runToFiles(prefix, 'wineserver', ['-w'], null);
}

async function spawnToFiles(
  prefix: WinePrefix,
  command: string,
  args: readonly string[],
  outBase: string | null,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ChildProcess> {
  const out = outBase ? await open(`${outBase}.out`, 'w') : undefined;
  const err = outBase ? await open(`${outBase}.err`, 'w') : undefined;
  try {
    return spawn(command, args, {
      cwd: options.cwd,
      env: { ...prefix.env, ...options.env },
      stdio: ['ignore', out?.fd ?? 'ignore', err?.fd ?? 'ignore'],
      detached: true,
    });
  } finally {
    // The child has its own copies of the descriptors.
    await out?.close();
    await err?.close();
  }
}

async function runToFiles(
  prefix: WinePrefix,
  command: string,
  args: readonly string[],
  outBase: string | null,
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = await spawnToFiles(prefix, command, args, outBase, options);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const failed = once(child, 'error').then(([err]) => {
    throw err as Error;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (options.timeoutMs === undefined) return;
    timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(new Error(`${command} ${args.join(' ')} still running after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
  });
  try {
    const [code, signal] = await Promise.race([exited, failed, timedOut]);
    return { code, signal };
  } finally {
    clearTimeout(timer);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
