import path from 'node:path';
import { PortwardenError } from '@portwarden/common/errors';

/**
 * What may reach the command runner. Names (services) are held to a small alphabet, program paths
 * must be plain absolute paths, and arguments are passed verbatim, one argv entry each, so that
 * nothing a policy says is ever interpreted by a shell. Every check returns a problem (text) or
 * undefined; `checkCommand` throws them as an InvalidCommandError.
 */

/** A command, a name or a path was refused before anything ran. */
export class InvalidCommandError extends PortwardenError {
  constructor(message: string, hint?: string) {
    super('command-invalid', message, hint ?? 'fix the name, path or argument and apply again');
  }
}

export const LIMITS = {
  /** Windows allows 256 characters in a service name; systemd 255 in a unit name. */
  serviceName: 256,
  programPath: 1024,
  /** One argument; a 10 kB argument passes. */
  argument: 32 * 1024,
  arguments: 256,
  /** All arguments together: Windows command lines end at 32,767 characters, with quoting. */
  totalWindows: 30_000,
  totalPosix: 256 * 1024,
  /** A day: anything longer is a mistake. */
  timeoutMs: 24 * 60 * 60 * 1000,
} as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A systemd unit or Windows service name: letters, digits and `_ . @ -` (`:` on Linux for
 * template instances, `$` on Windows for SQL Server instances such as `MSSQL$SQLEXPRESS`, which
 * reaches PowerShell through an environment variable and is never parsed). Never a leading `-`,
 * so that a name cannot become an option.
 */
export function serviceNameProblem(name: unknown, platform: NodeJS.Platform): string | undefined {
  if (typeof name !== 'string' || name === '') return 'a service name is required';
  if (name.length > LIMITS.serviceName) return `a service name has at most ${LIMITS.serviceName} characters`;
  const pattern =
    platform === 'win32' ? /^[A-Za-z0-9_][A-Za-z0-9_.@$-]*$/ : /^[A-Za-z0-9_][A-Za-z0-9_.@:-]*$/;
  if (!pattern.test(name)) {
    const allowed = platform === 'win32' ? '_ . @ - $' : '_ . @ - :';
    return `invalid service name ${quote(name)}: use letters, digits and ${allowed}, starting with a letter, digit or _`;
  }
  return undefined;
}

/**
 * An absolute path to a program, written out in full: no `.` or `..` segment, no shell
 * metacharacter, no environment variable (`%X%`, `$X`: nothing expands them). On Windows a
 * drive-letter path (no network share) that is not a `.bat`/`.cmd` file: those run through
 * cmd.exe, which interprets their arguments.
 */
export function programPathProblem(file: unknown, platform: NodeJS.Platform): string | undefined {
  if (typeof file !== 'string' || file === '') return 'a program path is required';
  if (file.length > LIMITS.programPath) return `a program path has at most ${LIMITS.programPath} characters`;
  if (CONTROL.test(file)) return `invalid program path ${quote(file)}: control characters`;
  const windows = platform === 'win32';
  const absolute = windows ? /^[A-Za-z]:\\/.test(file) : file.startsWith('/');
  if (!absolute) {
    return `program path ${quote(file)} is not absolute: write the full path${windows ? ', such as C:\\Tools\\heal.exe' : ', such as /usr/local/bin/heal'}`;
  }
  const separators = windows ? /[\\/]/ : /\//;
  const segments = file.split(separators).slice(windows ? 1 : 0);
  if (segments.some((s) => s === '.' || s === '..'))
    return `program path ${quote(file)} has . or .. segments`;
  // Spaces and parentheses are ordinary in Windows paths (C:\Program Files (x86)\...); nothing
  // parses this path, the allow-list compares it exactly. The rest has no business in a path.
  const disallowed = windows ? /[;&|$`"'<>*?%^!~#{}[\]/]/ : /[;&|$`"'<>*?%^!\\(){}[\]~#\s]/;
  const found = disallowed.exec(file);
  if (found)
    return `program path ${quote(file)} contains ${quote(found[0])}, which a program path never needs`;
  if (windows && /\.(bat|cmd)$/i.test(file)) {
    return `program path ${quote(file)} is a batch file: cmd.exe would interpret its arguments; run an .exe or powershell.exe with a script file instead`;
  }
  return undefined;
}

/** A firewall rules file the agent loads: an absolute POSIX path without `.`/`..` segments or control characters. */
export function rulesFileProblem(file: string): string | undefined {
  if (file === '') return 'no rules file configured';
  if (file.length > LIMITS.programPath)
    return `a rules file path has at most ${LIMITS.programPath} characters`;
  if (CONTROL.test(file)) return `invalid rules file path ${quote(file)}: control characters`;
  if (!file.startsWith('/')) return `rules file ${quote(file)} is not an absolute path`;
  if (file.split('/').some((s) => s === '.' || s === '..'))
    return `rules file ${quote(file)} has . or .. segments`;
  return undefined;
}

/** Arguments are passed verbatim; only what cannot be passed at all, or is absurdly long, is refused. */
export function argumentsProblem(args: unknown, platform: NodeJS.Platform): string | undefined {
  if (!Array.isArray(args)) return 'arguments must be a list of strings';
  if (args.length > LIMITS.arguments) return `at most ${LIMITS.arguments} arguments`;
  let total = 0;
  for (const [i, arg] of args.entries()) {
    if (typeof arg !== 'string') return `argument ${i} is not a string`;
    if (arg.includes('\u0000')) return `argument ${i} contains a NUL character, which no program can receive`;
    if (arg.length > LIMITS.argument)
      return `argument ${i} has ${arg.length} characters; at most ${LIMITS.argument}`;
    total += arg.length + 1;
  }
  const limit = platform === 'win32' ? LIMITS.totalWindows : LIMITS.totalPosix;
  if (total > limit) return `the arguments total ${total} characters; at most ${limit}`;
  return undefined;
}

/** An environment variable name the runner will set. */
export function envProblem(env: Readonly<Record<string, string>> | undefined): string | undefined {
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `invalid environment variable name ${quote(name)}`;
    if (typeof value !== 'string' || value.includes('\u0000'))
      return `environment variable ${name} must be a string without NUL`;
  }
  return undefined;
}

/** The parts of the runner's Command that are checked. */
export interface CheckedCommand {
  file: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/** Everything the runner checks before it starts a program; throws InvalidCommandError. */
export function checkCommand(cmd: CheckedCommand, platform: NodeJS.Platform): void {
  const problem =
    programPathProblem(cmd.file, platform) ??
    argumentsProblem(cmd.args, platform) ??
    envProblem(cmd.env) ??
    timeoutProblem(cmd.timeoutMs);
  if (problem) throw new InvalidCommandError(`refused to run ${path.basename(String(cmd.file))}: ${problem}`);
}

function timeoutProblem(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms <= 0 || ms > LIMITS.timeoutMs)
    return `timeout must be 1 ms to 24 h, not ${ms}`;
  return undefined;
}

/** A bounded, escaped rendering of a value for an error message. */
export function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return JSON.stringify(shown);
}
