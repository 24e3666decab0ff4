/** The bench's knobs, all from the environment (npm does not pass flags through `npm run bench`). */
import { MODES, TOOLS, type Mode, type Tool } from './cell/protocol.js';

export interface BenchOptions {
  /** Measured seconds per cell (tool x mode x concurrency). @default 5, 10 with BENCH_FULL=1 */
  cellSeconds: number;
  /** Unmeasured seconds before each cell's window (JIT, pools, pipelines fill). @default 1 */
  warmupSeconds: number;
  /**
   * Times each cell runs, the tools' order reversed every other round; the report keeps each
   * cell's median round. More rounds steady the figures on a machine shared with others.
   * @default 1, 3 with BENCH_FULL=1
   */
  rounds: number;
  /** Window of the idle-agent measurement; 0 skips it. @default 60, 600 with BENCH_FULL=1 */
  idleSeconds: number;
  /** @default [1, 64, 512] */
  concurrencies: number[];
  /** `none` runs no cell (only the idle agent). @default every tool */
  tools: Tool[];
  /** @default both modes */
  modes: Mode[];
  /** Write V8 CPU profiles of the Node probers (Portwarden, bare loop) here (`node --cpu-prof`). */
  cpuProfileDir?: string;
}

/** Probes per second no prober here comes near; times the seconds, it bounds each cell's count. */
export const MAX_RATE = 50_000;

export const ENV_HELP = `BENCH_FULL=1 (10 s cells, 3 rounds, 10 min idle), BENCH_CELL_SECONDS, BENCH_WARMUP_SECONDS, BENCH_ROUNDS,
BENCH_IDLE_SECONDS (0 skips), BENCH_CONCURRENCY=1,64,512, BENCH_TOOLS=${TOOLS.join(',')} or none,
BENCH_MODES=${MODES.join(',')}, BENCH_CPU_PROF=DIR`;

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max)
    throw new Error(`${name}=${text}: expected a number from 0 to ${max}`);
  return value;
}

function list<T extends string>(env: NodeJS.ProcessEnv, name: string, known: readonly T[]): T[] {
  const text = env[name];
  if (!text) return [...known];
  if (text === 'none') return [];
  const items = text.split(',').map((item) => item.trim());
  const unknown = items.filter((item) => !known.includes(item as T));
  if (unknown.length > 0)
    throw new Error(`${name}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return items as T[];
}

function concurrencies(env: NodeJS.ProcessEnv): number[] {
  const values = (env.BENCH_CONCURRENCY || '1,64,512').split(',').map(Number);
  if (values.some((c) => !Number.isInteger(c) || c < 1 || c > 2048)) {
    throw new Error(`BENCH_CONCURRENCY=${env.BENCH_CONCURRENCY}: expected integers from 1 to 2048`);
  }
  return values;
}

export function readOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const full = env.BENCH_FULL === '1';
  return {
    cellSeconds: number(env, 'BENCH_CELL_SECONDS', full ? 10 : 5, 600),
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', 1, 60),
    rounds: Math.max(1, Math.round(number(env, 'BENCH_ROUNDS', full ? 3 : 1, 20))),
    idleSeconds: number(env, 'BENCH_IDLE_SECONDS', full ? 600 : 60, 3600),
    concurrencies: concurrencies(env),
    tools: list(env, 'BENCH_TOOLS', TOOLS),
    modes: list(env, 'BENCH_MODES', MODES),
    ...(env.BENCH_CPU_PROF && { cpuProfileDir: env.BENCH_CPU_PROF }),
  };
}
