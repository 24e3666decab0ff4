import net from 'node:net';
import tls from 'node:tls';
import type { Reason } from '@portwarden/common/reasons';
import { Conversation, down, judge, type Exchange, type Verdict } from './conversation.js';
import type { Plan } from './plan.js';
import type { Target } from './resolve.js';
import { certificateVerdict, handshakeFailure, sessionSummary } from './tls.js';
import { Recorder } from './transcript.js';

type Phase = 'connecting' | 'tls' | 'starttls' | 'conversing' | 'quitting' | 'done';

/**
 * One connection to one address, from connect to close, as a state machine driven by socket
 * events and by the probe's one timer (`tick`). Connect, then implicit TLS or the STARTTLS
 * negotiation, then the conversation, then the quit text. Ends exactly once, its socket destroyed,
 * and calls `onDone`.
 */
export class Attempt {
  readonly recorder: Recorder;
  connectMs = 0;
  tlsMs = 0;
  firstByteMs = 0;
  verdict: Verdict | undefined;

  private phase: Phase = 'connecting';
  private mark = 0;
  private socket: net.Socket | undefined;
  /** The plain socket under a STARTTLS upgrade. */
  private plain: net.Socket | undefined;
  private conversation: Conversation | undefined;
  /** cert-expiring, applied only if the conversation passes. */
  private certificate: Verdict | undefined;
  private afterQuit: Verdict | undefined;

  constructor(
    private readonly plan: Plan,
    readonly target: Target,
    origin: number,
    private readonly onDone: (attempt: Attempt) => void,
  ) {
    this.recorder = new Recorder(origin);
  }

  start(): void {
    const { address, family, port } = this.target;
    this.mark = performance.now();
    const implicitTls = this.plan.tls !== undefined && this.plan.starttls === undefined;
    const socket = implicitTls
      ? tls.connect({ ...this.plan.tls, host: address, port }).setNoDelay(true)
      : net.connect({ host: address, port, family, noDelay: true });
    this.socket = socket;
    socket.once('connect', this.onConnect).on('error', this.onError);
  }

  /**
   * The probe's timer fired: `connectExpired` once the connect deadline has passed, `expired`
   * once the whole probe's has.
   */
  tick(connectExpired: boolean, expired: boolean): void {
    if (this.phase === 'connecting' && connectExpired) {
      const ms = this.plan.spec.connectTimeoutMs;
      this.connectEnded('connect-timeout', `no answer from ${this.target.where} within ${ms} ms`);
    } else if (expired) {
      this.expire();
    }
  }

  abort(): void {
    if (this.conversation && (this.phase === 'conversing' || this.phase === 'starttls'))
      this.conversation.abort();
    else this.finish(down('internal', 'probe cancelled'));
  }

  private expire(): void {
    const ms = this.plan.spec.timeoutMs;
    if (this.phase === 'tls') {
      this.finish(down('read-timeout', `TLS handshake with ${this.target.where} unfinished after ${ms} ms`));
    } else if (this.phase === 'conversing' || this.phase === 'starttls') {
      this.conversation!.expire();
    } else if (this.phase === 'quitting') {
      this.finish(this.afterQuit!);
    } else if (this.phase === 'connecting') {
      this.connectEnded('connect-timeout', `no answer from ${this.target.where} within ${ms} ms`);
    }
  }

  private readonly onConnect = (): void => {
    const now = performance.now();
    this.connectMs = now - this.mark;
    this.mark = now;
    this.recorder.note(`connected to ${this.target.where}`);
    const plan = this.plan;
    if (plan.spec.expectClosed) {
      this.finish(down('exposed', `${this.target.where} accepted a connection; it must not be reachable`));
    } else if (plan.starttls) {
      this.phase = 'starttls';
      this.conversation = new Conversation(plan.starttls.script, this.onStartTlsEnd, this.recorder);
      this.conversation.start(this.socket!);
    } else if (plan.tls) {
      this.phase = 'tls';
      this.socket!.once('secureConnect', this.onSecure);
    } else {
      this.converse();
    }
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    // The conversation reads its own errors; after the verdict, nothing matters.
    if (this.phase === 'connecting') {
      const { reason, detail } = connectFailure(err, this.target);
      this.connectEnded(reason, detail);
    } else if (this.phase === 'tls') this.finish(handshakeFailure(err, this.target.where));
    else if (this.phase === 'quitting') this.finish(this.afterQuit!);
  };

  /** A failed connection: down, or for a port that must stay closed, up. */
  private connectEnded(reason: Reason, detail: string): void {
    if (this.plan.spec.expectClosed && CLOSED_ENOUGH.has(reason)) {
      this.finish({ outcome: 'up', detail: `closed as expected: ${detail}` });
    } else {
      this.finish(down(reason, detail));
    }
  }

  private readonly onStartTlsEnd = (exchange: Exchange): void => {
    this.firstByteMs = exchange.firstByteMs ?? 0;
    if (exchange.end !== 'done') return this.finish(startTlsFailure(exchange, this.plan.starttls!.name));
    this.phase = 'tls';
    this.mark = performance.now();
    this.plain = this.socket!;
    const secure = tls.connect({ ...this.plan.tls, socket: this.plain });
    this.socket = secure;
    secure.on('error', this.onError).once('secureConnect', this.onSecure);
  };

  private readonly onSecure = (): void => {
    this.tlsMs = performance.now() - this.mark;
    const socket = this.socket as tls.TLSSocket;
    this.recorder.note(`TLS established: ${sessionSummary(socket)}`);
    const within = this.plan.spec.certExpiresWithinMs;
    if (within > 0) this.certificate = certificateVerdict(socket, within);
    this.converse();
  };

  private converse(): void {
    this.phase = 'conversing';
    if (this.plan.script.steps.length === 0)
      return this.concluded({ outcome: 'up', detail: this.connectedDetail() });
    this.conversation = new Conversation(this.plan.script, this.onExchangeEnd, this.recorder);
    this.conversation.start(this.socket!);
  }

  private connectedDetail(): string {
    return this.plan.tls ? `connected, ${sessionSummary(this.socket as tls.TLSSocket)}` : 'connected';
  }

  private readonly onExchangeEnd = (exchange: Exchange): void => {
    // Without a STARTTLS greeting before it, the conversation's first byte is the first byte.
    if (!this.plan.starttls) this.firstByteMs = exchange.firstByteMs ?? 0;
    const usable = exchange.end === 'done' || exchange.end === 'max-bytes';
    this.concluded(judge(exchange), usable);
  };

  /** The conversation's verdict, the certificate's if that passed, then the quit text. */
  private concluded(verdict: Verdict, usable = true): void {
    const final = verdict.outcome === 'up' && this.certificate ? this.certificate : verdict;
    const quit = this.plan.quit;
    if (!quit || !usable) return this.finish(final);
    this.phase = 'quitting';
    this.afterQuit = final;
    this.recorder.sent(quit);
    this.socket!.write(quit, this.onQuitFlushed);
  }

  private readonly onQuitFlushed = (): void => {
    this.finish(this.afterQuit!);
  };

  private finish(verdict: Verdict): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.verdict = verdict;
    this.socket?.destroy();
    this.plain?.destroy();
    this.onDone(this);
  }
}

const CONNECT_REASONS: Record<string, Reason> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  ETIMEDOUT: 'connect-timeout',
};

/** For `expectClosed`: the ways a port shows it does not accept. */
const CLOSED_ENOUGH: ReadonlySet<Reason> = new Set(['refused', 'connect-timeout', 'unreachable', 'reset']);

/** How a failed connection reads: refused, unreachable, reset, timed out by the kernel, or internal. */
export function connectFailure(
  err: NodeJS.ErrnoException,
  target: Target,
): { reason: Reason; detail: string } {
  return {
    reason: CONNECT_REASONS[err.code ?? ''] ?? 'internal',
    detail: `cannot connect to ${target.where}: ${err.code ?? err.message}`,
  };
}

/**
 * A STARTTLS negotiation that got an answer, but not the one it needs, is a TLS failure (the
 * server does not offer TLS); silence, a close or a reset keep their own reasons.
 */
function startTlsFailure(exchange: Exchange, name: string): Verdict {
  const verdict = judge(exchange);
  const reason = verdict.reason === 'expect-mismatch' ? 'tls' : verdict.reason!;
  return down(reason, `${name}: ${verdict.detail}`);
}
