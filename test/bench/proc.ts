/**
 * What the kernel knows about a process, read from /proc: CPU time and memory. Linux only, like
 * the rest of the bench.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Memory {
  /** Resident set now (VmRSS), KiB. */
  rssKiB: number;
  /** Peak resident set of this program image (VmHWM; reset at exec, unlike ru_maxrss), KiB. */
  peakKiB: number;
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** Fields of /proc/PID/stat after the command name, so that field 3 (state) is index 0. */
function statFields(pid: number | 'self'): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time of a live process, ms: the scheduler's run time of each of its threads
 * (/proc/PID/task/TID/schedstat, nanoseconds). /proc/PID/stat counts whole clock ticks, and
 * truncating 10 ms per process hides most of the CPU of a hundred zabbix_agentd listeners.
 */
export function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e6;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !readdirSync('/proc').includes(String(pid)))
      throw err;
    // A kernel without schedstat: fall back to clock ticks.
    const f = statFields(pid).map(Number);
    return ((f[11]! + f[12]!) * 1000) / clockTicksPerSecond();
  }
}

/** CPU of several processes together, ms, skipping any that have already gone. */
export function totalCpuMs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMs(pid);
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

export function memory(pid: number | 'self'): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') };
}

export interface Resident {
  /** VmRSS, KiB. */
  rssKiB: number;
  /** RssAnon: heap, stacks, native allocations (and, under Wine, the copied PE image), KiB. */
  anonKiB: number;
  /** RssFile: pages of mapped files (executables, shared libraries), KiB. */
  fileKiB: number;
}

/** The resident set of a process split as the kernel counts it; zeros once the process is gone. */
export function resident(pid: number): Resident {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // exited
  }
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKiB: kib('VmRSS'), anonKiB: kib('RssAnon'), fileKiB: kib('RssFile') };
}

/** Direct children of a process, found by scanning /proc (no CONFIG_PROC_CHILDREN needed). */
export function childPids(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === parent) found.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return found;
}

/**
 * CPU time the whole machine spent busy (every core, every process, interrupts), ms, from the
 * first line of /proc/stat. Sampled by clock ticks, so only good over seconds.
 */
export function machineBusyMs(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (
    (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
    clockTicksPerSecond()
  );
}
