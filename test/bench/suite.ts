/** Runs every cell: for each mode and concurrency, each tool in turn, so compared cells run close in time. */
import type { BannerServer } from './banner/handle.js';
import { runCell } from './cell/parent.js';
import type { CellMeasure, CellSpec, Mode, Tool } from './cell/protocol.js';
import { MAX_RATE, type BenchOptions } from './options.js';
import type { Plans, Setup, ToolPlan } from './plans.js';
import { cpuMs, machineBusyMs, memory, totalCpuMs } from './proc.js';

export interface Row {
  tool: Tool;
  label: string;
  mode: Mode;
  concurrency: number;
  probes: number;
  failed: number;
  failures: Record<string, number>;
  probesPerSecond: number;
  /** probes/s of the slowest and the fastest round, when there were several; the row is the median round. */
  spread?: { min: number; max: number };
  /** The tool's CPU per probe, ms. */
  cpuMsPerProbe: number;
  peakRssMiB?: number;
  /** What drove the tool (spawner, HTTP client, request loop), per probe, ms; not counted above. */
  harnessCpuMsPerProbe?: number;
  /** The banner server's CPU over the window, % of one core. */
  serverCpuPercent: number;
  /**
   * CPU the machine spent on anything outside this cell (other people's builds and tests), % of
   * one core. When high, the cell competed for the cores and its figures are low.
   */
  otherCpuPercent: number;
  note?: string;
}

const MiB = 1024;

/** Peak RSS of a service: VmHWM summed over its processes (fresh per cell, so the peak is this cell's). */
function servicePeakKiB(setup: Setup): number {
  return (setup.service?.pids() ?? []).reduce((sum, pid) => {
    try {
      return sum + memory(pid).peakKiB;
    } catch {
      return sum;
    }
  }, 0);
}

async function runOne(
  plan: ToolPlan,
  spec: CellSpec,
  server: BannerServer,
  execArgv: string[],
): Promise<Row> {
  const setup = await plan.setUp(spec.mode, spec.concurrency);
  let pids: number[] = [];
  let at = { server: 0, service: 0, machine: 0 };
  let serverMs = 0;
  let serviceMs = 0;
  let machineMs = 0;
  let measure: CellMeasure;
  try {
    measure = await runCell(
      { ...spec, settings: setup.settings },
      {
        atGo: () => {
          pids = setup.service?.pids() ?? [];
          at = { server: cpuMs(server.pid), service: totalCpuMs(pids), machine: machineBusyMs() };
        },
        atDone: () => {
          serverMs = cpuMs(server.pid) - at.server;
          serviceMs = totalCpuMs(pids) - at.service;
          machineMs = machineBusyMs() - at.machine;
          if (setup.service) setup.peakRssKiB = servicePeakKiB(setup);
        },
      },
      execArgv,
    );
  } finally {
    await setup.service?.stop();
  }
  const toolMs = { own: measure.ownCpuMs, reported: measure.toolCpuMs ?? NaN, service: serviceMs }[plan.cpu];
  const harnessMs = measure.ownCpuMs + (measure.helperCpuMs ?? 0);
  const peakKiB = plan.cpu === 'own' ? measure.peakRssKiB : setup.peakRssKiB;
  const cellMs = harnessMs + serverMs + (plan.cpu === 'own' ? 0 : toolMs);
  const perProbe = (ms: number) => ms / Math.max(1, measure.probes);
  return {
    tool: plan.tool,
    label: plan.label,
    mode: spec.mode,
    concurrency: spec.concurrency,
    probes: measure.probes,
    failed: measure.failed,
    failures: measure.failures,
    probesPerSecond: (measure.probes * 1000) / measure.elapsedMs,
    cpuMsPerProbe: perProbe(toolMs),
    ...(peakKiB !== undefined && { peakRssMiB: peakKiB / MiB }),
    ...(plan.cpu !== 'own' && { harnessCpuMsPerProbe: perProbe(harnessMs) }),
    serverCpuPercent: (serverMs / measure.elapsedMs) * 100,
    otherCpuPercent: (Math.max(0, machineMs - cellMs) / measure.elapsedMs) * 100,
    ...(setup.note && { note: setup.note }),
  };
}

/** The median round by probes/s, with the spread of all rounds. */
function median(rounds: Row[]): Row {
  const sorted = [...rounds].sort((a, b) => a.probesPerSecond - b.probesPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
  if (sorted.length === 1) return middle;
  return { ...middle, spread: { min: sorted[0]!.probesPerSecond, max: sorted.at(-1)!.probesPerSecond } };
}

export async function runSuite(
  options: BenchOptions,
  plans: Plans,
  server: BannerServer,
  progress: (row: Row, round: number) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const execArgv = (plan: ToolPlan) =>
    options.cpuProfileDir && plan.cpu === 'own'
      ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
      : [];
  for (const mode of options.modes) {
    for (const concurrency of options.concurrencies) {
      const spec: Omit<CellSpec, 'tool'> = {
        mode,
        concurrency,
        target: { host: server.host, port: server.port },
        warmupMs: options.warmupSeconds * 1000,
        durationMs: options.cellSeconds * 1000,
        maxProbes: MAX_RATE * Math.max(1, options.cellSeconds),
        settings: {},
      };
      const rounds = new Map<Tool, Row[]>();
      for (let round = 1; round <= options.rounds; round += 1) {
        const order = round % 2 === 1 ? Object.values(plans) : Object.values(plans).reverse();
        for (const plan of order) {
          const row = await runOne(plan, { ...spec, tool: plan.tool }, server, execArgv(plan));
          rounds.set(plan.tool, [...(rounds.get(plan.tool) ?? []), row]);
          progress(row, round);
        }
      }
      for (const plan of Object.values(plans)) rows.push(median(rounds.get(plan.tool) ?? []));
    }
  }
  return rows;
}
