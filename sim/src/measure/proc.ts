/**
 * CPU and memory of processes, from /proc (Linux only): /proc/PID/stat (utime + stime, clock
 * ticks) and /proc/PID/status (VmRSS). A process that is gone reads as absent, never as an error.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux architecture Node runs on (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) of one process, ms; undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is index 0, utime 11, stime 12.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident set (VmRSS) of one process, bytes; undefined when it is gone. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Every process whose command name is `name` (`postgres`: the postmaster and all its children). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone between the listing and the read
    }
  }
  return pids;
}

/** CPU per process now, ms, of the processes named `name`. */
export function cpuByPid(name: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pidsNamed(name)) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) cpu.set(pid, ms);
  }
  return cpu;
}

/**
 * CPU spent between two readings of `cpuByPid`: a process alive at both counts its difference,
 * one started in between counts all of its CPU; one that exited in between is lost (its CPU is
 * not readable any more), so short-lived backends make the figure a lower bound.
 */
export function cpuDeltaMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
