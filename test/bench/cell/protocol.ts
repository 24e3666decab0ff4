/**
 * One cell of the benchmark: one tool, one mode, one concurrency, run by a prober child process.
 * The parent and the child agree on these types and on one exchange over IPC:
 * child `warm` -> parent samples its clocks, answers `go` -> child measures -> child `done`.
 */

export const TOOLS = ['portwarden', 'bare', 'check_tcp', 'blackbox', 'zabbix'] as const;
export type Tool = (typeof TOOLS)[number];

export const MODES = ['connect', 'send-expect'] as const;
/** `connect`: open and close a TCP connection. `send-expect`: send `HELO x\r\n`, expect `250`. */
export type Mode = (typeof MODES)[number];

/** What the send/expect mode sends (before CR/LF) and expects, for every tool. */
export const SEND_TEXT = 'HELO x';
export const EXPECT_TEXT = '250';

export interface CellSpec {
  tool: Tool;
  mode: Mode;
  concurrency: number;
  /** The banner server. */
  target: { host: string; port: number };
  warmupMs: number;
  durationMs: number;
  /** Upper bound on probes in the measured window, whatever the duration. */
  maxProbes: number;
  /** Tool-specific settings: binary path, exporter port, ... */
  settings: Record<string, string>;
}

export interface CellMeasure {
  probes: number;
  ok: number;
  failed: number;
  /** Failure text -> count, at most a few distinct texts. */
  failures: Record<string, number>;
  elapsedMs: number;
  /** CPU of the child process itself over the measured window. */
  ownCpuMs: number;
  /** The tool's CPU, when the child measures it (the check_tcp processes it ran). */
  toolCpuMs?: number;
  /** CPU of helpers the child ran that are not the tool (the shells that start check_tcp). */
  helperCpuMs?: number;
  /** Peak RSS of the child process, KiB (VmHWM). */
  peakRssKiB: number;
}

export type ChildMessage =
  { type: 'warm' } | { type: 'done'; measure: CellMeasure } | { type: 'error'; message: string };
export type ParentMessage = { type: 'go' };
