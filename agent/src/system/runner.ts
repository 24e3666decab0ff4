import { spawn, type ChildProcess } from 'node:child_process';
import { silentLogger, type Logger } from '@portwarden/common/logger';
import { BoundedCapture } from './capture.js';
import { redactArgs, redactText } from './redact.js';
import { systemRoot, windowsToolPath } from './tools.js';
import { checkCommand } from './validate.js';

/**
 * The one seam through which the agent runs an external program. Everything that touches the
 * system (firewall tools, service managers, allow-listed programs, reboots) goes through a
 * CommandRunner, so that tests swap in a fake one and production has one place that guarantees:
 * an argument vector and never a shell, a timeout that kills the process tree, bounded output,
 * and redacted logs.
 */
export interface Command {
  /** Absolute path of the program. */
  file: string;
  /** One argv entry each, passed verbatim. */
  args: readonly string[];
  /** The process tree is killed when the program runs longer. */
  timeoutMs: number;
  /** Variables set on top of the agent's own environment. */
  env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  input?: string | Uint8Array;
  /** Strings masked wherever the command or its output is logged. */
  secrets?: readonly string[];
  /** Aborting kills the process tree, as a timeout does. */
  signal?: AbortSignal;
}

export interface CommandResult {
  /** The exit code; null when the program was killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended the program, if one did. */
  signal: NodeJS.Signals | null;
  /** At most `maxOutputBytes`, then a truncation marker line. */
  stdout: Buffer;
  stderr: Buffer;
  /** The timeout fired (or the abort signal) and the process tree was killed. */
  timedOut: boolean;
  /** Why the program could not be started (`ENOENT`, `EACCES`, ...); absent when it ran. */
  spawnError?: string;
  durationMs: number;
}

export type CommandRunner = (cmd: Command) => Promise<CommandResult>;

export interface RunnerOptions {
  /** Commands are logged at debug (failures at warn), arguments redacted. @default a silent logger */
  logger?: Logger;
  /** Bytes kept of stdout and of stderr each. @default 65_536 */
  maxOutputBytes?: number;
  /**
   * After the program exits, how long to wait for its output pipes to close. A program that starts
   * a daemon which inherits them (a restart script) would otherwise hold the runner until the
   * timeout, and the timeout would kill the daemon. @default 1_000
   */
  drainMs?: number;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** The environment programs start from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/** The real runner: child_process.spawn with an argument vector, `shell: false`. */
export function createRunner(options: RunnerOptions = {}): CommandRunner {
  const log = options.logger ?? silentLogger();
  const platform = options.platform ?? process.platform;
  const settings = {
    platform,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    drainMs: options.drainMs ?? 1_000,
    env: options.env ?? process.env,
  };
  return async (cmd) => {
    checkCommand(cmd, platform);
    const result = await execute(cmd, settings);
    logResult(log, cmd, result);
    return result;
  };
}

type Settings = Required<Omit<RunnerOptions, 'logger'>>;

function execute(cmd: Command, settings: Settings): Promise<CommandResult> {
  const started = performance.now();
  const stdout = new BoundedCapture(settings.maxOutputBytes);
  const stderr = new BoundedCapture(settings.maxOutputBytes);
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd.file, [...cmd.args], {
        shell: false,
        // libuv quotes each argument for the Windows command line (system/windows-args.ts shows
        // how), which the Microsoft C runtime of sc.exe, icacls.exe and the rest splits back.
        windowsVerbatimArguments: false,
        windowsHide: true,
        // Its own process group on POSIX, so that a timeout kills the program and its children.
        detached: settings.platform !== 'win32',
        env: { ...settings.env, ...cmd.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve(notStarted(err, started));
      return;
    }
    let timedOut = false;
    let exited = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      cmd.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const result: CommandResult = {
        exitCode,
        signal,
        stdout: stdout.toBuffer(),
        stderr: stderr.toBuffer(),
        timedOut,
        durationMs: Math.round(performance.now() - started),
      };
      resolve(spawnError ? { ...result, spawnError } : result);
    };
    const kill = () => {
      if (exited || settled) return;
      timedOut = true;
      killTree(child, settings);
      // A process that escaped the group may hold the pipes: do not wait for it forever.
      timers.push(setTimeout(() => finish(null, 'SIGKILL'), Math.max(settings.drainMs, 1_000)));
    };
    const onAbort = () => kill();
    timers.push(setTimeout(kill, cmd.timeoutMs));
    if (cmd.signal?.aborted) kill();
    cmd.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin?.on('error', () => {}); // EPIPE when the program does not read its input
    child.stdin?.end(cmd.input ?? '');
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish(null, null, err.code ?? err.message);
    });
    child.on('exit', (code, signal) => {
      exited = true;
      timers.push(setTimeout(() => finish(code, signal), settings.drainMs));
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => finish(code, signal));
  });
}

/** Kills the program and everything it started: its process group on POSIX, `taskkill /T` on Windows. */
function killTree(child: ChildProcess, settings: Settings): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (settings.platform === 'win32') {
    const { file, args } = windowsTreeKill(pid, settings.env);
    // Output ignored: nobody reads it, and under Wine a pipe the child writes to can fail (EBADF).
    const killer = spawn(file, args, { shell: false, windowsHide: true, stdio: 'ignore' });
    killer.on('error', () => child.kill('SIGKILL'));
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Windows has no process groups: `taskkill /T` walks the tree from the pid (children the program
 * started, and theirs), `/F` ends them without asking. By absolute path under `%SystemRoot%`, like
 * every system tool.
 */
export function windowsTreeKill(pid: number, env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  return { file: windowsToolPath('taskkill', systemRoot(env)), args: ['/T', '/F', '/PID', String(pid)] };
}

function notStarted(err: unknown, started: number): CommandResult {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return {
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    timedOut: false,
    spawnError: code,
    durationMs: Math.round(performance.now() - started),
  };
}

function logResult(log: Logger, cmd: Command, result: CommandResult): void {
  const failed = result.exitCode !== 0 || result.timedOut || result.spawnError !== undefined;
  const fields = {
    file: cmd.file,
    args: redactArgs(cmd.args, cmd.secrets),
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    spawnError: result.spawnError,
    durationMs: result.durationMs,
    ...(failed && { stderr: excerpt(result.stderr, cmd.secrets) }),
  };
  if (failed) log.warn(fields, 'command failed');
  else log.debug(fields, 'command finished');
}

/** The start of a captured output as text, redacted, for logs and reports. */
export function excerpt(bytes: Buffer, secrets: readonly string[] = [], max = 300): string {
  const text = redactText(bytes.toString('utf8'), secrets).trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
