import { open, readFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The reboot guard: an agent never reboots its server into a loop. It keeps the times of the
 * reboots it issued in the state directory, so the limit holds across the reboots themselves.
 */
export interface RebootGuardOptions {
  /** Reboots allowed per window; 0 never reboots. @default 1 */
  maxReboots: number;
  /** @default 24h */
  windowMs: number;
  /** No reboot while the server has been up for less than this. @default 30m */
  minUptimeMs: number;
}

export const REBOOT_GUARD_DEFAULTS: RebootGuardOptions = {
  maxReboots: 1,
  windowMs: 24 * 60 * 60 * 1000,
  minUptimeMs: 30 * 60 * 1000,
};

/** `<state dir>/reboot-guard.json`: `{"version":1,"reboots":[<unix ms>, ...]}`, oldest first. */
export const REBOOT_GUARD_FILE = 'reboot-guard.json';

export interface RebootGuardState {
  version: 1;
  /** When the agent issued each reboot it remembers, unix milliseconds, oldest first. */
  reboots: number[];
}

/** Group Policy, as far as the check that wants the reboot knows: never reboot over it, nor in doubt. */
export type GpoState = 'override' | 'none' | 'unknown';

export interface RebootRequest {
  nowUnixMs: number;
  uptimeMs: number;
  gpo: GpoState;
}

export type RebootDecision =
  | { allowed: true; detail: string }
  | {
      allowed: false;
      why: 'gpo-override' | 'gpo-unknown' | 'min-uptime' | 'max-reboots' | 'state-unreadable';
      detail: string;
    };

/** The guard's rule, pure. A state file that cannot be read holds every reboot back. */
export function decideReboot(
  state: RebootGuardState | 'unreadable',
  request: RebootRequest,
  options: RebootGuardOptions,
): RebootDecision {
  if (request.gpo === 'override') {
    return {
      allowed: false,
      why: 'gpo-override',
      detail: 'Group Policy sets the firewall; a reboot would not change it',
    };
  }
  if (request.gpo === 'unknown') {
    return {
      allowed: false,
      why: 'gpo-unknown',
      detail: 'Group Policy could not be ruled out; no reboot in doubt',
    };
  }
  if (state === 'unreadable') {
    return {
      allowed: false,
      why: 'state-unreadable',
      detail: `${REBOOT_GUARD_FILE} cannot be read; no reboot until it can`,
    };
  }
  if (request.uptimeMs < options.minUptimeMs) {
    const up = minutes(request.uptimeMs);
    return {
      allowed: false,
      why: 'min-uptime',
      detail: `up for ${up} min, under minUptime ${minutes(options.minUptimeMs)} min`,
    };
  }
  // A reboot "in the future" (the clock went back) still counts: the guard errs on the safe side.
  const recent = state.reboots.filter((t) => request.nowUnixMs - t < options.windowMs);
  if (recent.length >= options.maxReboots) {
    const last = recent.at(-1);
    const since = last === undefined ? '' : `, the last at ${new Date(last).toISOString()}`;
    return {
      allowed: false,
      why: 'max-reboots',
      detail: `${recent.length} reboot(s) within ${hours(options.windowMs)} h${since}; maxReboots is ${options.maxReboots}`,
    };
  }
  return {
    allowed: true,
    detail: `reboot ${recent.length + 1} of at most ${options.maxReboots} within ${hours(options.windowMs)} h`,
  };
}

export interface RebootGuard {
  /**
   * Decides on a reboot now; when allowed, the reboot is written to disk (fsync'ed) before this
   * returns, so a crash between the decision and the reboot still counts it.
   */
  request(gpo: GpoState): Promise<RebootDecision>;
  /** The state on disk, for reports and tests. */
  read(): Promise<RebootGuardState | 'unreadable'>;
}

export interface RebootGuardDeps {
  /** The state directory. */
  dir: string;
  options: RebootGuardOptions;
  /** @default Date.now */
  now?: () => number;
  /** @default os.uptime() in milliseconds */
  uptimeMs?: () => number;
}

export function createRebootGuard(deps: RebootGuardDeps): RebootGuard {
  const file = path.join(deps.dir, REBOOT_GUARD_FILE);
  const now = deps.now ?? Date.now;
  const uptimeMs = deps.uptimeMs ?? (() => os.uptime() * 1000);
  let queue: Promise<unknown> = Promise.resolve();
  const read = () => readState(file);
  return {
    read,
    request(gpo) {
      // One decision at a time: two failing checks must not both take the last reboot.
      const next = queue.then(async () => {
        const state = await read();
        const nowUnixMs = now();
        const decision = decideReboot(state, { nowUnixMs, uptimeMs: uptimeMs(), gpo }, deps.options);
        if (decision.allowed && state !== 'unreadable') {
          const kept = state.reboots.filter((t) => nowUnixMs - t < deps.options.windowMs).slice(-100);
          await writeState(file, { version: 1, reboots: [...kept, nowUnixMs] });
        }
        return decision;
      });
      queue = next.catch(() => {});
      return next;
    },
  };
}

async function readState(file: string): Promise<RebootGuardState | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { version: 1, reboots: [] } : 'unreadable';
  }
  try {
    const state = JSON.parse(text) as RebootGuardState;
    const valid = state.version === 1 && Array.isArray(state.reboots) && state.reboots.every(Number.isFinite);
    return valid ? state : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Temp file, fsync, rename, fsync the directory: the file is either the old state or the new one. */
async function writeState(file: string, state: RebootGuardState): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(state)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function minutes(ms: number): number {
  return Math.floor(ms / 60_000);
}

function hours(ms: number): number {
  return Math.round((ms / 3_600_000) * 10) / 10;
}
