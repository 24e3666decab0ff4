/**
 * One idle window: the resident set of one process (and of a group of processes, e.g. a whole Wine
 * prefix) read from /proc every second, and its CPU over the window.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuMs, resident, totalCpuMs, type Resident } from '../proc.js';

export interface Window {
  seconds: number;
  /** The process itself: at the window's end, and each field's max over the samples. */
  end: Resident;
  max: Resident;
  /** CPU of the process over the window, % of one core. */
  cpuPercent: number;
  /** The group's VmRSS summed (absent without a group): end, max, and how many processes at the end. */
  group?: { endKiB: number; maxKiB: number; processes: number; cpuPercent: number };
}

const sumRss = (pids: number[]) => pids.reduce((sum, pid) => sum + resident(pid).rssKiB, 0);

/**
 * Samples `pid` once a second for `seconds`; `group` lists the processes to sum (called at each
 * sample, so that processes coming and going are counted as they are).
 */
export async function sampleWindow(pid: number, seconds: number, group?: () => number[]): Promise<Window> {
  const startedAt = performance.now();
  const cpuBefore = cpuMs(pid);
  const groupBefore = group ? totalCpuMs(group()) : 0;
  let max = resident(pid);
  let groupMax = group ? sumRss(group()) : 0;
  for (let second = 0; second < seconds; second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = resident(pid);
    // A process gone mid-window would read as zeros and flatter the figures.
    if (now.rssKiB === 0) throw new Error(`process ${pid} exited during the idle window`);
    max = {
      rssKiB: Math.max(max.rssKiB, now.rssKiB),
      anonKiB: Math.max(max.anonKiB, now.anonKiB),
      fileKiB: Math.max(max.fileKiB, now.fileKiB),
    };
    if (group) groupMax = Math.max(groupMax, sumRss(group()));
  }
  const elapsedMs = performance.now() - startedAt;
  const end = resident(pid);
  const cpuPercent = ((cpuMs(pid) - cpuBefore) / elapsedMs) * 100;
  if (!group) return { seconds: elapsedMs / 1000, end, max, cpuPercent };
  const members = group();
  const endKiB = sumRss(members);
  return {
    seconds: elapsedMs / 1000,
    end,
    max,
    cpuPercent,
    group: {
      endKiB,
      maxKiB: Math.max(groupMax, endKiB),
      processes: members.length,
      // Processes that exited within the window take their CPU with them: a floor, not exact.
      cpuPercent: ((totalCpuMs(members) - groupBefore) / elapsedMs) * 100,
    },
  };
}

/**
 * Every process started for this Wine prefix (the programs, wineserver, services.exe,
 * winedevice.exe, ...): each carries WINEPREFIX=<dir> in its environment. `commandContains`
 * narrows it to those whose command line has that text.
 */
export function prefixProcesses(prefixDir: string, commandContains = ''): number[] {
  const mine: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (!environ.split('\0').includes(`WINEPREFIX=${prefixDir}`)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(commandContains)) mine.push(Number(entry));
    } catch {
      // exited while scanning, or not ours to read
    }
  }
  return mine;
}
