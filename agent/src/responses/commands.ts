import { POWERSHELL } from '../probes/firewall/windows/powershell.js';
import type { Command } from '../system/runner.js';
import type { SystemDeps } from '../system/system.js';

/**
 * The commands responses run. Names from the policy never become code: on Windows the service name
 * reaches PowerShell through an environment variable of a constant script; on Linux it is one argv
 * entry after `--`, so it can never be read as an option.
 */
export const RESTART_SCRIPT = 'Restart-Service -Name $env:PORTWARDEN_SERVICE -Force -ErrorAction Stop';

/** `shutdown /r` waits this long, so a logged-on administrator sees the warning. */
export const WINDOWS_REBOOT_DELAY_S = 60;
/** `/d p:4:1`: planned, Application: Maintenance, which is what the event log records. */
export const WINDOWS_REBOOT_REASON = 'p:4:1';
const REBOOT_COMMAND_TIMEOUT_MS = 30_000;

/** A command, or why none can be built (a tool missing). */
export type Built = { command: Command } | { problem: string };

export async function restartServiceCommand(
  service: string,
  timeoutMs: number,
  system: SystemDeps,
): Promise<Built> {
  if (system.platform === 'win32') {
    const file = await system.locate('powershell');
    if (!file) return { problem: 'powershell.exe not found' };
    return {
      command: {
        file,
        args: [...POWERSHELL.args, RESTART_SCRIPT],
        env: { PORTWARDEN_SERVICE: service },
        timeoutMs,
      },
    };
  }
  const file = await system.locate('systemctl');
  if (!file) return { problem: 'systemctl not found' };
  return { command: { file, args: ['restart', '--', service], timeoutMs } };
}

export function runProgramCommand(path: string, args: readonly string[], timeoutMs: number): Built {
  return { command: { file: path, args: [...args], timeoutMs } };
}

/** Windows: `shutdown /r /t 60 /c "<why>" /d p:4:1`, so the event log says why; Linux: `systemctl reboot`. */
export async function rebootCommand(why: string, system: SystemDeps): Promise<Built> {
  if (system.platform === 'win32') {
    const file = await system.locate('shutdown');
    if (!file) return { problem: 'shutdown.exe not found' };
    const args = [
      '/r',
      '/t',
      String(WINDOWS_REBOOT_DELAY_S),
      '/c',
      rebootComment(why),
      '/d',
      WINDOWS_REBOOT_REASON,
    ];
    return { command: { file, args, timeoutMs: REBOOT_COMMAND_TIMEOUT_MS } };
  }
  const file = await system.locate('systemctl');
  if (!file) return { problem: 'systemctl not found' };
  return { command: { file, args: ['reboot'], timeoutMs: REBOOT_COMMAND_TIMEOUT_MS } };
}

/** shutdown.exe takes at most 512 characters of comment; quotes and line breaks have no place in it. */
export function rebootComment(why: string): string {
  const flat = why
    .replace(/"/g, "'")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return flat.length > 500 ? `${flat.slice(0, 499)}…` : flat;
}
