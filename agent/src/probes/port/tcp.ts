import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import type { Reason } from '@portwarden/common/reasons';
import type { Probe, ProbeContext, ProbeResult, Timings } from '../probe.js';
import { converse, judge, type ConversationSpec, type Verdict } from './conversation.js';

/** A `port` check with every default filled in, durations in milliseconds. */
export interface PortSpec extends ConversationSpec {
  host: string;
  port: number;
  /** Bounds the whole probe: lookup, connect, send and read. */
  timeoutMs: number;
  /** Bounds the TCP handshake alone (and never exceeds what is left of timeoutMs). */
  connectTimeoutMs: number;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }>;

export interface PortProbeDependencies {
  /** @default node:dns/promises lookup, the system resolver as every other program uses it */
  lookup?: Lookup;
}

/** Builds the port probe; tests pass their own lookup, everyone else uses `probePort`. */
export function createPortProbe(deps: PortProbeDependencies = {}): Probe<PortSpec> {
  const lookup = deps.lookup ?? ((hostname: string) => dnsLookup(hostname));
  return (spec, ctx) => runPortProbe(spec, ctx, lookup);
}

export const probePort: Probe<PortSpec> = createPortProbe();

/** A phase failed in a way the result names; thrown inside the probe, never out of it. */
class ProbeFailure extends Error {
  constructor(
    readonly reason: Reason,
    detail: string,
  ) {
    super(detail);
  }
}

async function runPortProbe(spec: PortSpec, ctx: ProbeContext, lookup: Lookup): Promise<ProbeResult> {
  const watch = stopwatch(spec.timeoutMs);
  const timings: Timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 };
  let socket: net.Socket | undefined;
  let verdict: Verdict;
  try {
    const target = await resolve(spec.host, lookup, watch.remaining(), ctx.signal);
    timings.dnsMs = watch.lap();
    const connectTimeoutMs = Math.min(spec.connectTimeoutMs || spec.timeoutMs, watch.remaining());
    socket = await connect(target, spec.port, connectTimeoutMs, ctx.signal);
    timings.connectMs = watch.lap();
    const exchange = await converse(socket, spec, watch.remaining(), ctx.signal);
    timings.firstByteMs = Math.round(exchange.firstByteMs ?? 0);
    verdict = judge(exchange, spec.expect);
  } catch (err) {
    verdict =
      err instanceof ProbeFailure
        ? { outcome: 'down', reason: err.reason, detail: err.message }
        : internal(err);
  } finally {
    socket?.destroy();
  }
  timings.totalMs = watch.elapsed();
  return { ...verdict, durationMs: timings.totalMs, timings };
}

function internal(err: unknown): Verdict {
  return { outcome: 'down', reason: 'internal', detail: `probe failed: ${(err as Error).message}` };
}

interface Target {
  address: string;
  family: number;
}

/** IP literals skip the resolver; names go through it, bounded by what is left of the timeout. */
async function resolve(
  host: string,
  lookup: Lookup,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Target> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = net.isIP(bare);
  if (family !== 0) return { address: bare, family };
  try {
    return await bounded(lookup(bare), timeoutMs, signal);
  } catch (err) {
    if (err instanceof ProbeFailure) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ProbeFailure('dns', `cannot resolve ${bare}: ${code}`);
  }
}

/**
 * Races a promise that cannot be cancelled (getaddrinfo runs on the thread pool) against the
 * deadline and the abort signal; the loser is ignored, and the timer is always cleared.
 */
async function bounded<T>(work: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProbeFailure('dns', `no answer from the resolver within ${timeoutMs} ms`)),
      timeoutMs,
    );
    onAbort = () => reject(cancelled());
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

const cancelled = () => new ProbeFailure('internal', 'probe cancelled');

/** Opens the TCP connection; on any failure the socket is destroyed before the promise settles. */
function connect(target: Target, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const where = `${target.family === 6 ? `[${target.address}]` : target.address}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.address, port, family: target.family, noDelay: true });
    const settle = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect).off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (failure: ProbeFailure) => {
      settle();
      socket.destroy();
      reject(failure);
    };
    const onConnect = () => {
      settle();
      // Errors after this point are read by the conversation; this listener only keeps a late one
      // (after the conversation detached) from becoming an uncaught exception.
      socket.on('error', ignore);
      resolve(socket);
    };
    const onError = (err: NodeJS.ErrnoException) => fail(connectFailure(err, where));
    const onAbort = () => fail(cancelled());
    const timer = setTimeout(
      () => fail(new ProbeFailure('connect-timeout', `no answer from ${where} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', onConnect).once('error', onError);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const ignore = () => {};

const CONNECT_REASONS: Record<string, Reason> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  ETIMEDOUT: 'connect-timeout',
};

function connectFailure(err: NodeJS.ErrnoException, where: string): ProbeFailure {
  const reason = CONNECT_REASONS[err.code ?? ''] ?? 'internal';
  return new ProbeFailure(reason, `cannot connect to ${where}: ${err.code ?? err.message}`);
}

/** Monotonic milliseconds since the probe started, and per phase. */
function stopwatch(budgetMs: number) {
  const start = performance.now();
  let last = start;
  const elapsed = () => Math.round(performance.now() - start);
  return {
    elapsed,
    remaining: () => Math.max(0, Math.round(budgetMs - (performance.now() - start))),
    lap(): number {
      const now = performance.now();
      const ms = Math.round(now - last);
      last = now;
      return ms;
    },
  };
}
