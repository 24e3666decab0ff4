import type { Duplex } from 'node:stream';
import { escapeBytes } from '@portwarden/common/text';
import type { Reason } from '@portwarden/common/reasons';
import { Matcher } from './expect.js';
import { PORT_SPEC_DEFAULTS, type PortSpec } from './spec.js';
import { wireBytes } from './writes.js';
import type { Recorder } from './transcript.js';

/**
 * The send/expect conversation, as one module so that every TCP variant (plain, implicit TLS,
 * the STARTTLS negotiation and what follows it) speaks it the same way: what goes on the wire, how
 * long we read, what counts as a match and how a failure is worded.
 */

export const DEFAULT_MAX_BYTES = PORT_SPEC_DEFAULTS.maxBytes;

/** A dialogue compiled once per spec: wire bytes with their CR/LF, matchers with their regexes. */
export interface Script {
  steps: CompiledStep[];
  maxBytes: number;
  /** Whether any step reads: only then does the conversation listen for data. */
  reads: boolean;
}

/**
 * `reject`, for protocol dialogues (STARTTLS): a complete reply that is not the expected one, so
 * the step fails at once instead of waiting out the timeout.
 */
export type CompiledStep =
  { kind: 'send'; wire: Buffer } | { kind: 'expect'; matcher: Matcher; reject?: RegExp };

/** `rejects[i]`: the regex source of step i's `reject`, if any. */
export function compileScript(
  spec: Pick<PortSpec, 'steps' | 'crlf' | 'extraCrlf' | 'maxBytes'>,
  rejects: (string | undefined)[] = [],
): Script {
  const wires = wireBytes(spec);
  let next = 0;
  const steps = spec.steps.map((step, i): CompiledStep => {
    if (step.kind === 'send') return { kind: 'send', wire: wires[next++]! };
    const reject = rejects[i];
    return {
      kind: 'expect',
      matcher: new Matcher(step.expect),
      ...(reject && { reject: new RegExp(reject, 'm') }),
    };
  });
  return { steps, maxBytes: spec.maxBytes, reads: steps.some((s) => s.kind === 'expect') };
}

/**
 * Why the exchange ended. `done`: every step completed (and the last write is flushed);
 * `rejected`: a protocol dialogue got a complete reply that is not the expected one.
 */
export type ExchangeEnd =
  'done' | 'rejected' | 'closed' | 'max-bytes' | 'timeout' | 'reset' | 'failed' | 'aborted';

export interface Exchange {
  end: ExchangeEnd;
  /** The expect step that was waiting when the exchange ended (the last one when done); undefined if none. */
  matcher?: Matcher;
  /** What that step examined, at most maxBytes. */
  received: Buffer;
  /** Milliseconds from the start of the exchange to the first byte received. */
  firstByteMs?: number;
  /** The socket error, for `reset` and `failed`. */
  error?: Error;
}

const EMPTY = Buffer.alloc(0);

/**
 * Runs a script over a connected socket: writes each send step, and for each expect step reads
 * until its expectation is met (the bytes up to the end of the match are consumed, the rest is
 * left for the next step), the peer closes, maxBytes arrive, or the owner calls `expire` (the
 * probe's one timer) or `abort`. Ends once, leaving no listener behind and the socket paused, so
 * that a STARTTLS upgrade finds every later byte still in it. Closing the socket is the owner's job.
 */
export class Conversation {
  private socket: Duplex | undefined;
  private index = 0;
  private window: Buffer = EMPTY;
  /** The window of the expect step that matched last, shown in an `up` detail. */
  private matched: Buffer = EMPTY;
  private started = 0;
  private firstByteMs: number | undefined;
  private done = false;

  constructor(
    private readonly script: Script,
    private readonly onEnd: (exchange: Exchange) => void,
    private readonly recorder?: Recorder,
  ) {}

  start(socket: Duplex): void {
    this.socket = socket;
    this.started = performance.now();
    socket.on('error', this.onError).on('end', this.onClose).on('close', this.onClose);
    if (this.script.reads) socket.on('data', this.onData);
    this.advance();
  }

  /** The deadline passed. */
  expire(): void {
    this.finish('timeout');
  }

  abort(): void {
    this.finish('aborted');
  }

  /** Runs send steps until an expect step must wait for bytes, or the script ends. */
  private advance(): void {
    const steps = this.script.steps;
    while (!this.done && this.index < steps.length) {
      const step = steps[this.index]!;
      if (step.kind === 'expect') {
        if (!this.check(this.window.length)) return;
        continue;
      }
      this.index += 1;
      this.recorder?.sent(step.wire);
      if (this.index === steps.length) this.socket!.write(step.wire, this.onFlushed);
      else this.socket!.write(step.wire);
    }
    if (this.index === steps.length && steps.length === 0) this.finish('done');
  }

  /** Whether the current expect step is met; if so, consumes through the match and moves on. */
  private check(fresh: number): boolean {
    const step = this.script.steps[this.index] as Extract<CompiledStep, { kind: 'expect' }>;
    const end = step.matcher.match(this.window, fresh);
    if (end === -1) {
      if (step.reject?.test(this.window.toString('latin1'))) this.finish('rejected');
      else if (this.window.length >= this.script.maxBytes) this.finish('max-bytes');
      return false;
    }
    this.index += 1;
    this.matched = this.window;
    if (this.index === this.script.steps.length) {
      this.finish('done');
      return true;
    }
    this.window = this.window.subarray(end);
    return true;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.firstByteMs ??= performance.now() - this.started;
    this.recorder?.received(chunk);
    const room = this.script.maxBytes - this.window.length;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.window = this.window.length === 0 ? piece : Buffer.concat([this.window, piece]);
    // Bytes that arrive while a send step runs (or after the last expect) wait for the next expect.
    if (this.index < this.script.steps.length && this.script.steps[this.index]!.kind === 'expect') {
      if (this.check(piece.length)) this.advance();
    }
  };

  private readonly onFlushed = (err?: Error | null): void => {
    if (!err) this.finish('done');
  };

  private readonly onClose = (): void => {
    this.recorder?.note('closed by peer');
    this.finish('closed');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.finish(endOfError(err), err);
  };

  private finish(end: ExchangeEnd, error?: Error): void {
    if (this.done) return;
    this.done = true;
    const socket = this.socket;
    if (socket) {
      socket
        .off('data', this.onData)
        .off('end', this.onClose)
        .off('close', this.onClose)
        .off('error', this.onError);
      socket.pause();
    }
    const step = this.script.steps[Math.min(this.index, this.script.steps.length - 1)];
    const matcher = this.lastMatcher(step);
    this.onEnd({
      end,
      ...(matcher && { matcher }),
      received: end === 'done' ? this.matched : this.window,
      ...(this.firstByteMs !== undefined && { firstByteMs: this.firstByteMs }),
      ...(error && { error }),
    });
  }

  /** The expect step that ended the exchange, or for `done` the script's last expect step. */
  private lastMatcher(step: CompiledStep | undefined): Matcher | undefined {
    if (step?.kind === 'expect') return step.matcher;
    for (let i = Math.min(this.index, this.script.steps.length) - 1; i >= 0; i--) {
      const s = this.script.steps[i]!;
      if (s.kind === 'expect') return s.matcher;
    }
    return undefined;
  }
}

function endOfError(err: NodeJS.ErrnoException): ExchangeEnd {
  if (err.code === 'ECONNRESET') return 'reset';
  // Writing to a peer that already closed its side.
  if (err.code === 'EPIPE') return 'closed';
  return 'failed';
}

/**
 * A conversation as a promise with its own timer, for callers without a probe clock (tests, the
 * CLI's experiments). The probe itself drives `Conversation` from its one timer.
 */
export function converse(
  socket: Duplex,
  script: Script,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const onAbort = () => conversation.abort();
    const conversation = new Conversation(script, (exchange) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(exchange);
    });
    const timer = setTimeout(() => conversation.expire(), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    conversation.start(socket);
  });
}

export interface Verdict {
  outcome: 'up' | 'down';
  reason?: Reason;
  detail: string;
}

/**
 * What an exchange means. Bytes that arrived without the expected text are a mismatch however
 * reading stopped (timeout, close or maxBytes), because they are the most useful thing to show;
 * a reset wins over a mismatch.
 */
export function judge(exchange: Exchange): Verdict {
  const received = exchange.received.length > 0 ? `"${escapeBytes(exchange.received)}"` : '';
  const wanted = exchange.matcher?.description ?? '';
  switch (exchange.end) {
    case 'done':
      return wanted
        ? { outcome: 'up', detail: `found ${wanted} in ${received || '""'}` }
        : { outcome: 'up', detail: 'connected' };
    case 'aborted':
      return down('internal', 'probe cancelled');
    case 'reset':
      return down('reset', `connection reset by peer${received && ` after receiving ${received}`}`);
    case 'failed':
      return down('internal', `socket error: ${exchange.error?.message ?? 'unknown'}`);
  }
  if (!wanted) {
    // Nothing was expected: the last write did not go through.
    return exchange.end === 'timeout'
      ? down('read-timeout', 'the peer did not take the request within the timeout')
      : down('closed', 'connection closed by peer while sending');
  }
  if (received) return down('expect-mismatch', `expected ${wanted} but received ${received}`);
  if (exchange.end === 'timeout') return down('read-timeout', `nothing received, expected ${wanted}`);
  return down('closed', `connection closed by peer before any byte arrived, expected ${wanted}`);
}

export function down(reason: Reason, detail: string): Verdict {
  return { outcome: 'down', reason, detail };
}
