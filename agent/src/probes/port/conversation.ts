import type { Duplex } from 'node:stream';
import { escapeBytes } from '@portwarden/common/text';
import type { Reason } from '@portwarden/common/reasons';

/**
 * The send/expect conversation of the classic Ports tab, as one module so that every TCP variant
 * (plain now; TLS and STARTTLS later) speaks it the same way: what goes on the wire, how long we
 * read, what counts as a match and how a failure is worded.
 */
export interface ConversationSpec {
  /** Bytes sent right after connecting, escapes already decoded; empty for none. */
  send: Uint8Array;
  /** Append CR/LF to the end of the text. */
  crlf: boolean;
  /** Append one more CR/LF after the last command. */
  extraCrlf: boolean;
  /** Substring expected in everything received (greeting and reply); empty for none. */
  expect?: string;
  /** Reading stops after this many bytes. @default 4096 */
  maxBytes: number;
}

export const DEFAULT_MAX_BYTES = 4096;

const CRLF = Buffer.from('\r\n');

/** The exact bytes the probe writes: the text, then CR/LF if asked, then one more if asked. */
export function outgoingBytes(spec: Pick<ConversationSpec, 'send' | 'crlf' | 'extraCrlf'>): Buffer {
  const parts = [Buffer.from(spec.send)];
  if (spec.crlf) parts.push(CRLF);
  if (spec.extraCrlf) parts.push(CRLF);
  return Buffer.concat(parts);
}

/** Why the exchange ended. `sent`: nothing was expected and the request is flushed. */
export type ExchangeEnd =
  'sent' | 'matched' | 'closed' | 'max-bytes' | 'timeout' | 'reset' | 'failed' | 'aborted';

export interface Exchange {
  end: ExchangeEnd;
  /** Everything kept from the peer, at most maxBytes. */
  received: Buffer;
  /** Milliseconds from the start of the exchange to the first byte received. */
  firstByteMs?: number;
  /** The socket error, for `reset` and `failed`. */
  error?: Error;
}

/**
 * Writes the request and reads until the expectation is met, the peer closes, maxBytes arrive or
 * `timeoutMs` passes. Leaves no listener or timer behind; closing the socket is the caller's job.
 */
export function converse(
  socket: Duplex,
  spec: ConversationSpec,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const expecting = Boolean(spec.expect);
    const reader = new BoundedReader(spec.expect, spec.maxBytes);
    let firstByteMs: number | undefined;
    let done = false;

    const finish = (end: ExchangeEnd, error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      // Paused, so that bytes after the conversation stay in the socket (a STARTTLS upgrade needs them).
      socket.pause();
      resolve({
        end,
        received: reader.bytes(),
        ...(firstByteMs !== undefined && { firstByteMs }),
        ...(error && { error }),
      });
    };
    const onData = (chunk: Buffer) => {
      firstByteMs ??= performance.now() - started;
      const state = reader.push(chunk);
      if (state !== 'more') finish(state);
    };
    const onEnd = () => finish('closed');
    const onError = (err: NodeJS.ErrnoException) => finish(endOfError(err), err);
    const onAbort = () => finish('aborted');

    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError).on('end', onEnd).on('close', onEnd);
    if (expecting) socket.on('data', onData);

    const request = outgoingBytes(spec);
    const flushed = () => {
      if (!expecting) finish('sent');
    };
    if (request.length > 0) socket.write(request, (err) => err || flushed());
    else flushed();
  });
}

function endOfError(err: NodeJS.ErrnoException): ExchangeEnd {
  if (err.code === 'ECONNRESET') return 'reset';
  // Writing to a peer that already closed its side.
  if (err.code === 'EPIPE') return 'closed';
  return 'failed';
}

/**
 * Keeps at most maxBytes and looks for the expected text in everything kept so far, searching only
 * where a match could newly end, so a slow trickle of bytes costs no rescans.
 */
class BoundedReader {
  private readonly needle: Buffer | undefined;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    expect: string | undefined,
    private readonly maxBytes: number,
  ) {
    this.needle = expect ? Buffer.from(expect, 'utf8') : undefined;
  }

  push(chunk: Buffer): 'matched' | 'max-bytes' | 'more' {
    const room = this.maxBytes - this.length;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(piece);
    this.length += piece.length;
    if (this.needle && this.found(this.needle, piece.length)) return 'matched';
    return this.length >= this.maxBytes ? 'max-bytes' : 'more';
  }

  bytes(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private found(needle: Buffer, added: number): boolean {
    const from = Math.max(0, this.length - added - needle.length + 1);
    return this.bytes().indexOf(needle, from) !== -1;
  }
}

export interface Verdict {
  outcome: 'up' | 'down';
  reason?: Reason;
  detail: string;
}

/**
 * What an exchange means. Anything received that does not contain the expected text is a
 * mismatch, however reading stopped, because the bytes are the most useful thing to show.
 */
export function judge(exchange: Exchange, expect: string | undefined): Verdict {
  const received = exchange.received.length > 0 ? `"${escapeBytes(exchange.received)}"` : '';
  const wanted = `"${escapeBytes(Buffer.from(expect ?? ''), 100)}"`;
  switch (exchange.end) {
    case 'sent':
      return { outcome: 'up', detail: 'connected' };
    case 'matched':
      return { outcome: 'up', detail: `found ${wanted} in ${received}` };
    case 'aborted':
      return { outcome: 'down', reason: 'internal', detail: 'probe cancelled' };
    case 'reset':
      return down('reset', `connection reset by peer${received && ` after receiving ${received}`}`);
    case 'failed':
      return down('internal', `socket error: ${exchange.error?.message ?? 'unknown'}`);
  }
  if (received) return down('expect-mismatch', `expected ${wanted} but received ${received}`);
  if (exchange.end === 'timeout') return down('read-timeout', `nothing received, expected ${wanted}`);
  return down('closed', `connection closed by peer before any byte arrived, expected ${wanted}`);
}

function down(reason: Reason, detail: string): Verdict {
  return { outcome: 'down', reason, detail };
}
