import type { CommandResult } from '../system/runner.js';
import { ServiceError } from './errors.js';

/**
 * Every argument vector the service commands run, and how sc.exe's answers are read. The runner
 * passes each entry as one argument (libuv quotes it; see system/windows-args.ts), so sc.exe's
 * `option= value` pairs are two entries each, exactly as sc.exe wants them.
 */

/** The service's name (the SCM key), fixed by the issue. */
export const SERVICE_NAME = 'PortwardenAgent';

/** Restart after 10 s, three times; the count resets after a day without a failure. Never reboot. */
export const RESTART_DELAY_MS = 10_000;
export const RESET_FAILURES_S = 86_400;

export const SC = {
  query: ['query', SERVICE_NAME],
  start: ['start', SERVICE_NAME],
  stop: ['stop', SERVICE_NAME],
  delete: ['delete', SERVICE_NAME],
  config: ['qc', SERVICE_NAME],
} as const;

/**
 * The SCM settings WinSW 1.17 cannot write: delayed automatic start, the recovery actions, and
 * `failureflag 1`, so that recovery also applies when the service stops with an error exit code
 * (WinSW reports the agent's exit code) rather than only when the process crashes.
 */
export function serviceSettingsCommands(): string[][] {
  const restart = `restart/${RESTART_DELAY_MS}`;
  return [
    ['config', SERVICE_NAME, 'start=', 'delayed-auto'],
    [
      'failure',
      SERVICE_NAME,
      'reset=',
      String(RESET_FAILURES_S),
      'actions=',
      [restart, restart, restart].join('/'),
    ],
    ['failureflag', SERVICE_NAME, '1'],
  ];
}

/**
 * The account the service runs as. The password goes to sc.exe, never into the WinSW XML beside
 * the exe, which every user of the machine may read. Without a password sc.exe keeps the one it has
 * (or needs none: LocalSystem, virtual and managed service accounts).
 */
export function scAccountCommand(account: string | undefined, password?: string): string[] {
  const args = ['config', SERVICE_NAME, 'obj=', account ?? 'LocalSystem'];
  return password === undefined ? args : [...args, 'password=', password];
}

/** SYSTEM and Administrators, by SID so that a localized Windows matches too. */
export const SYSTEM_SID = '*S-1-5-18';
export const ADMINISTRATORS_SID = '*S-1-5-32-544';

/**
 * Locks the state directory (the enrollment key and token live there): inherited entries removed
 * (`/inheritance:r`, not copied), full control for SYSTEM and Administrators, inherited by every
 * file and folder below (`(OI)(CI)`); a named service account gets modify rights.
 */
export function icaclsLockArgs(stateDir: string, account?: string): string[] {
  const grants = [`${SYSTEM_SID}:(OI)(CI)F`, `${ADMINISTRATORS_SID}:(OI)(CI)F`];
  if (account) grants.push(`${account}:(OI)(CI)M`);
  return [stateDir, '/inheritance:r', '/grant:r', ...grants];
}

/** SERVICE_STATUS dwCurrentState values: sc.exe prints the number, then the name. */
export const SERVICE_STATES = {
  1: 'STOPPED',
  2: 'START_PENDING',
  3: 'STOP_PENDING',
  4: 'RUNNING',
  5: 'CONTINUE_PENDING',
  6: 'PAUSE_PENDING',
  7: 'PAUSED',
} as const;

export type ServiceStateName = (typeof SERVICE_STATES)[keyof typeof SERVICE_STATES];

export type ServiceQuery = { installed: false } | { installed: true; state: ServiceStateName };

/** Win32 errors sc.exe answers with (its exit code, and `FAILED <n>:` in its output). */
export const SC_ERRORS = {
  accessDenied: 5,
  alreadyRunning: 1056,
  notInstalled: 1060,
  notStarted: 1062,
  markedForDelete: 1072,
} as const;

/** sc.exe printed something this agent cannot read. */
export class ScError extends ServiceError {
  constructor(message: string) {
    super(message, 'run sc.exe query PortwardenAgent to see what Windows says');
  }
}

/** The Win32 error sc.exe reports: its exit code, else the number in `FAILED <n>:`; 0 when none. */
export function scErrorCode(result: Pick<CommandResult, 'exitCode' | 'stdout' | 'stderr'>): number {
  if (result.exitCode !== null && result.exitCode !== 0) return result.exitCode;
  const text = `${result.stdout.toString('latin1')}\n${result.stderr.toString('latin1')}`;
  return Number(/FAILED (\d+)/.exec(text)?.[1] ?? 0);
}

/**
 * `sc.exe query PortwardenAgent`. Error 1060 means not installed. Otherwise the state is read by
 * position and number, as the firewall provider reads it: the lines `LABEL : N WORD` are TYPE then
 * STATE, and labels are translated on localized Windows but the numbers are not.
 */
export function parseServiceQuery(
  result: Pick<CommandResult, 'exitCode' | 'stdout' | 'stderr'>,
): ServiceQuery {
  const code = scErrorCode(result);
  if (code === SC_ERRORS.notInstalled) return { installed: false };
  const text = result.stdout.toString('latin1');
  if (code !== 0)
    throw new ScError(`sc.exe query ${SERVICE_NAME} failed with error ${code}: ${scSummary(text)}`);
  const numbers = text.split(/\r?\n/).flatMap((line) => {
    const match = /:\s+(\d+)\s+[A-Z][A-Z0-9_]*\s*$/.exec(line);
    return match ? [Number(match[1])] : [];
  });
  const state = SERVICE_STATES[numbers[1] as keyof typeof SERVICE_STATES];
  if (!state) throw new ScError(`sc.exe query ${SERVICE_NAME} printed no known STATE: ${scSummary(text)}`);
  return { installed: true, state };
}

/** sc.exe's answer on one line: `[SC] OpenService FAILED 5: Access is denied.` */
export function scSummary(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return (line || '(nothing)').slice(0, 300);
}

/**
 * The account of `sc.exe qc PortwardenAgent` (its SERVICE_START_NAME line, the last of the
 * answer): `LocalSystem`, `NT AUTHORITY\\NetworkService`, `.\\user`, `DOMAIN\\user`.
 */
export function parseServiceAccount(text: string): string | undefined {
  const lines = text.split(/\r?\n/).flatMap((line) => {
    const match = /^\s*([A-Z_]+)\s*:\s*(.*?)\s*$/.exec(line);
    return match ? [[match[1]!, match[2]!] as const] : [];
  });
  const named = lines.find(([label]) => label === 'SERVICE_START_NAME');
  return (named ?? lines[lines.length - 1])?.[1] || undefined;
}
