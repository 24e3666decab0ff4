/** The prober child's side of a cell: warm up, wait for the parent's `go`, measure, report. */
import { once } from 'node:events';
import { memory } from '../proc.js';
import { closedLoop, type LoadResult, type ProbeOnce } from './load.js';
import type { CellMeasure, CellSpec, ChildMessage } from './protocol.js';

export interface WindowResult extends LoadResult {
  /** See CellMeasure. */
  toolCpuMs?: number;
  helperCpuMs?: number;
}

/** Runs the tool under load for a while. */
export type Window = (durationMs: number) => Promise<WindowResult>;

/** The usual window: a closed loop of one probe function at the cell's concurrency. */
export function probeLoop(spec: CellSpec, probe: ProbeOnce): Window {
  return (durationMs) =>
    closedLoop(probe, { concurrency: spec.concurrency, maxProbes: spec.maxProbes, durationMs });
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

export async function serveCell(spec: CellSpec, window: Window): Promise<void> {
  if (spec.warmupMs > 0) await window(spec.warmupMs);
  const go = once(process, 'message');
  await send({ type: 'warm' });
  await go;

  const before = process.cpuUsage();
  const result = await window(spec.durationMs);
  const own = process.cpuUsage(before);
  const measure: CellMeasure = {
    ...result,
    ownCpuMs: (own.user + own.system) / 1000,
    peakRssKiB: memory('self').peakKiB,
  };
  await send({ type: 'done', measure });
}

/** Entry points call this: run the cell, report any error to the parent, and exit. */
export function runChild(main: (spec: CellSpec) => Promise<void>): void {
  process.on('disconnect', () => process.exit(0));
  const spec = JSON.parse(process.argv[2] ?? '{}') as CellSpec;
  main(spec).then(
    () => process.exit(0),
    async (err: unknown) => {
      await send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    },
  );
}
