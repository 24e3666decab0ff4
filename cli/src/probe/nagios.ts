import type { Reason } from '@portwarden/common/reasons';

/**
 * The Nagios plugin conventions, as check_tcp follows them, so that `portwarden probe` drops into
 * Nagios, Icinga, Zabbix or Sensu in place of check_tcp: one status line, perfdata after `|`, and
 * the exit code carries the state.
 */
export const EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type State = keyof typeof EXIT;

export interface NagiosInput {
  host: string;
  port: number;
  outcome: 'up' | 'down';
  reason?: Reason;
  detail: string;
  durationMs: number;
  /** What the server sent, as text (shown in brackets, as check_tcp does). */
  received: string;
  timeoutMs: number;
  /** check_tcp `-M`: what an unexpected response is. @default 'warn' */
  mismatch: 'warn' | 'crit';
  /** Response-time thresholds in seconds (check_tcp `-w`/`-c`). */
  warningSeconds?: number;
  criticalSeconds?: number;
  /** check_tcp `-D warn,crit`: the certificate expired or expires within crit days. */
  certCritical?: boolean;
}

export interface NagiosOutput {
  state: State;
  exitCode: number;
  line: string;
}

/** Reasons that are a warning rather than an outage, as check_tcp grades them. */
const WARNING_REASONS: ReadonlySet<Reason> = new Set(['slow', 'cert-expiring']);

export function nagiosStatus(input: NagiosInput): NagiosOutput {
  const state = stateOf(input);
  const seconds = input.durationMs / 1000;
  const perf = `time=${seconds.toFixed(6)}s;${threshold(input.warningSeconds)};${threshold(input.criticalSeconds)};0.000000;${(input.timeoutMs / 1000).toFixed(6)}`;
  // check_tcp prints a refused connection without perfdata: it never measured a response.
  const line =
    input.reason === 'refused' ? text(input, state, seconds) : `${text(input, state, seconds)}|${perf}`;
  return { state, exitCode: EXIT[state], line };
}

function stateOf(input: NagiosInput): State {
  if (input.outcome === 'up') {
    const seconds = input.durationMs / 1000;
    if (input.criticalSeconds !== undefined && seconds > input.criticalSeconds) return 'CRITICAL';
    if (input.warningSeconds !== undefined && seconds > input.warningSeconds) return 'WARNING';
    return 'OK';
  }
  if (input.reason === 'expect-mismatch') return input.mismatch === 'crit' ? 'CRITICAL' : 'WARNING';
  if (input.reason === 'internal' || input.reason === undefined) return 'UNKNOWN';
  if (input.reason === 'cert-expiring' && input.certCritical) return 'CRITICAL';
  return WARNING_REASONS.has(input.reason) ? 'WARNING' : 'CRITICAL';
}

function text(input: NagiosInput, state: State, seconds: number): string {
  const where = `${input.host} port ${input.port}`;
  if (input.outcome === 'up') {
    const shown = oneLine(input.received);
    return `TCP ${state} - ${seconds.toFixed(3)} second response time on ${where}${shown ? ` [${shown}]` : ''}`;
  }
  if (input.reason === 'expect-mismatch')
    return `TCP ${state} - Unexpected response from host/socket: ${oneLine(input.received)}`;
  if (input.reason === 'refused')
    return `connect to address ${input.host} and port ${input.port}: Connection refused`;
  return `TCP ${state} - ${input.reason ?? 'error'} on ${where}: ${input.detail}`;
}

/** check_tcp prints the reply raw; a status line must stay one line, so line breaks become spaces. */
function oneLine(received: string): string {
  return received.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function threshold(seconds: number | undefined): string {
  return seconds === undefined ? '' : seconds.toFixed(6);
}
