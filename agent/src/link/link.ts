import { credentials as grpcCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { Logger } from '@portwarden/common/logger';
import {
  AgentServiceClient,
  type ConfigPush,
  type ConnectRequest,
  type ConnectResponse,
  type Hello,
  type Result,
  type TestRequest,
  type TestResult,
} from '@portwarden/proto/agent/v1';
import { OUTCOME_WORDS } from '@portwarden/proto/agent/v1/words';
import type { Spool, SpooledResult } from '../spool/spool.js';
import { toProtoTranscript } from '../probes/port/transcript.js';
import { toProtoResultParts } from '../responses/wire.js';
import { createBackoff, isRefusal, type BackoffOptions } from './backoff.js';

export interface LinkOptions {
  /** Controller addresses, `host:port`; tried in turn, moving on after each failed stream. */
  controllers: string[];
  /** Built anew for every stream, so it carries the config revision the agent runs right now. */
  hello(): Hello;
  spool: Pick<Spool, 'pending' | 'ack' | 'lastSeq' | 'gaps' | 'ackGaps'>;
  /** Applies a pushed config; resolves to '' or to why it was refused (sent back in ConfigAck). */
  applyConfig(push: ConfigPush): Promise<string>;
  /** @default 10_000 */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /**
   * Read for every new stream, so a renewed certificate is used from the next one on.
   * @default plaintext (--insecure)
   */
  credentials?: ChannelCredentials | (() => ChannelCredentials);
  /** gRPC keepalive; a silently dead connection is noticed within `timeMs + timeoutMs`. */
  keepalive?: KeepaliveOptions;
  logger: Logger;
  /** Called each time a controller answers on a new stream. */
  onConnect?(address: string): void;
  /** "Test now": runs one check at once, outside its schedule; the answer goes back on the stream. */
  runTest?(request: TestRequest): Promise<TestResult>;
}

export interface KeepaliveOptions {
  /** A ping this often, even on a quiet stream. @default 10_000 */
  timeMs?: number;
  /** A ping unanswered this long closes the connection; the agent then moves to the next address. @default 10_000 */
  timeoutMs?: number;
}

export interface Link {
  start(): void;
  /** New results are in the spool: send them if a stream is open. */
  notify(): void;
  /**
   * Ends the stream and stops reconnecting. With `drainMs`, first waits up to that long for the
   * controller to acknowledge everything already spooled, so a clean stop leaves nothing to resend.
   */
  stop(drainMs?: number): Promise<void>;
  /** Whether the controller has answered on the current stream (headers or a message). */
  readonly connected: boolean;
}

/** At most this many results per ResultBatch, to keep messages far below gRPC's 4 MiB limit. */
export const MAX_BATCH = 500;

/**
 * Results messages on a stream not yet acknowledged, at most. In steady state each result goes out
 * alone as its probe finishes; when the controller lags, acks come later, the window fills, and
 * what finishes meanwhile waits in the spool and goes out as one batch when an ack frees it. So a
 * loaded controller gets fewer, larger batches, which it commits far more cheaply, and holds a
 * bounded amount of this agent's work (controller/src/grpc/flow-control.ts).
 */
export const MAX_UNACKED_MESSAGES = 2;

function channelOptions(keepalive: KeepaliveOptions = {}): ChannelOptions {
  return {
    // Ping every 10 s even when the stream is quiet, so that a dead controller or a connection
    // silently dropped by a NAT or load balancer is noticed in seconds, not at the next TCP timeout.
    'grpc.keepalive_time_ms': keepalive.timeMs ?? 10_000,
    // A ping unanswered for 10 s closes the transport: the stream fails and the agent reconnects
    // through the next address. Dead within 20 s, noticed within 30.
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs ?? 10_000,
    // Keep pinging while no call is active; the controller must accept pings this often.
    'grpc.keepalive_permit_without_calls': 1,
    // A connection of its own per stream, never one shared through grpc-js's global subchannel
    // pool: a new stream then is a new connection, which a load balancer in front of controller
    // replicas places afresh (and agents in one process, as in tests, do not share one).
    'grpc.use_local_subchannel_pool': 1,
  };
}

/**
 * The agent's side of AgentService.Connect: one stream at a time, reconnecting forever with
 * backoff. Every (re)connect resends what the spool still holds, in seq order; the controller
 * ignores what it already has. Probing does not depend on any of this.
 */
export function createLink(options: LinkOptions): Link {
  if (options.controllers.length === 0) throw new Error('the link needs at least one controller address');
  const log = options.logger;
  const backoff = createBackoff(options.backoff);
  let session: Session | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;

  const loop = async () => {
    for (let attempt = 0; !stopped; attempt++) {
      const address = options.controllers[attempt % options.controllers.length]!;
      session = new Session(address, options);
      const end = await session.done;
      session = undefined;
      if (stopped) return;
      if (end.gotConfig) backoff.reset();
      if (isRefusal(end.code)) backoff.slowDown();
      const delayMs = backoff.next();
      const level = isRefusal(end.code) ? 'error' : 'warn';
      // The status text says it all (refused, unavailable, ...); a stack trace per retry says nothing.
      const why = end.error ? { code: end.code, details: end.error.message } : {};
      log[level]({ address, ...why, retryInMs: delayMs }, 'controller stream ended');
      await pause(delayMs);
    }
  };

  /** Waits before the next attempt; stop() cuts the wait short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake!(), ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  return {
    start() {
      running ??= loop();
    },
    notify() {
      session?.pump();
    },
    async stop(drainMs = 0) {
      if (drainMs > 0 && session?.answered) await session.drained(drainMs);
      stopped = true;
      wake?.();
      session?.close();
      await running;
    },
    get connected() {
      return session?.answered ?? false;
    },
  };
}

interface SessionEnd {
  gotConfig: boolean;
  code?: number;
  error?: Error;
}

/** One stream and everything that lives exactly as long as it: its channel, heartbeat and cursor. */
class Session {
  readonly done: Promise<SessionEnd>;
  open = true;
  answered = false;
  private readonly client: AgentServiceClient;
  private readonly call: ReturnType<AgentServiceClient['connect']>;
  private readonly heartbeat: NodeJS.Timeout;
  /** Highest seq written to this stream; a new stream starts over from what is unacknowledged. */
  private sentUpTo = 0;
  /** Highest gap report id written to this stream. */
  private gapsSentUpTo = 0;
  private onDrained: (() => void) | undefined;
  private pumping = false;
  private gotConfig = false;
  private configs = Promise.resolve();
  private finish!: (end: SessionEnd) => void;
  private onDrain: (() => void) | undefined;
  /** The last seq of each results message sent on this stream and not yet acknowledged. */
  private unacked: number[] = [];
  private onWindow: (() => void) | undefined;

  constructor(
    readonly address: string,
    private readonly options: LinkOptions,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    // A fresh channel per stream: our backoff is then the only reconnect policy, not grpc-js's own.
    const credentials =
      typeof options.credentials === 'function' ? options.credentials() : options.credentials;
    this.client = new AgentServiceClient(
      address,
      credentials ?? grpcCredentials.createInsecure(),
      channelOptions(options.keepalive),
    );
    this.call = this.client.connect();
    this.call.on('data', (message: ConnectResponse) => this.receive(message));
    this.call.on('error', (err: Error & { code?: number }) => this.end(err));
    this.call.on('end', () => this.end());
    this.call.on('drain', () => this.onDrain?.());
    this.call.on('metadata', () => {
      this.answered = true;
      options.logger.info({ address }, 'controller stream open');
      options.onConnect?.(address);
    });
    this.send({ body: { $case: 'hello', value: options.hello() } });
    // Gap reports go before the results: they keep their id across reconnects and restarts, so
    // the controller counts a resent one once (unique on agent and id, as results are on agent
    // and seq). New ones are sent by pump() and by each heartbeat; a GapAck lets the spool forget.
    this.sendGaps();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), options.heartbeatMs ?? 10_000);
    this.pump();
  }

  /** Writes unsent results in batches, pausing while the stream's buffer is full. */
  pump(): void {
    this.sendGaps();
    if (this.pumping || !this.open) return;
    this.pumping = true;
    void this.drainSpool().finally(() => (this.pumping = false));
  }

  close(): void {
    this.call.end();
    this.end();
  }

  private async drainSpool(): Promise<void> {
    for (;;) {
      if (this.unacked.length >= MAX_UNACKED_MESSAGES) {
        await new Promise<void>((resolve) => (this.onWindow = resolve));
        if (!this.open) return;
        continue;
      }
      const batch = this.options.spool.pending(this.sentUpTo, MAX_BATCH);
      if (batch.length === 0 || !this.open) return;
      const flowing = this.send({ body: { $case: 'results', value: { results: batch.map(toProtoResult) } } });
      this.sentUpTo = batch.at(-1)!.seq;
      this.unacked.push(this.sentUpTo);
      if (!flowing) await new Promise<void>((resolve) => (this.onDrain = resolve));
    }
  }

  /** Resolves once nothing spooled is unacknowledged, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.options.spool.pending(0, 1).length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.onDrained = done;
    });
  }

  private receive(message: ConnectResponse): void {
    const body = message.body;
    if (body?.$case === 'ack') {
      this.options.spool.ack(body.value.upToSeq);
      const acked = this.unacked.findIndex((lastSeq) => lastSeq > body.value.upToSeq);
      this.unacked = acked === -1 ? [] : this.unacked.slice(acked);
      this.openWindow();
      if (this.options.spool.pending(0, 1).length === 0) this.onDrained?.();
    }
    if (body?.$case === 'gapAck') this.options.spool.ackGaps(body.value.id);
    if (body?.$case === 'config') {
      this.gotConfig = true;
      const push = body.value;
      // One at a time and in order, so acks go back in the order the pushes came.
      this.configs = this.configs
        .then(() => this.options.applyConfig(push))
        .catch((err: Error) => `cannot apply config: ${err.message}`)
        .then(
          (error) =>
            void this.send({ body: { $case: 'configAck', value: { revision: push.revision, error } } }),
        );
    }
    if (body?.$case === 'test' && this.options.runTest) {
      void this.options
        .runTest(body.value)
        .then((value) => this.send({ body: { $case: 'testResult', value } }));
    }
  }

  private openWindow(): void {
    const wake = this.onWindow;
    this.onWindow = undefined;
    wake?.();
  }

  /** Sends the gap reports this stream has not carried yet, oldest first. */
  private sendGaps(): void {
    if (!this.open) return;
    for (const gap of this.options.spool.gaps()) {
      if (gap.id <= this.gapsSentUpTo) continue;
      this.send({ body: { $case: 'gap', value: gap } });
      this.gapsSentUpTo = gap.id;
    }
  }

  private sendHeartbeat(): void {
    this.sendGaps();
    const value = { sentAtUnixMs: Date.now(), lastSeq: this.options.spool.lastSeq };
    this.send({ body: { $case: 'heartbeat', value } });
  }

  private send(request: ConnectRequest): boolean {
    return this.open ? this.call.write(request) : false;
  }

  /** Idempotent: the first of error, end or close releases the stream's timer and channel. */
  private end(error?: Error & { code?: number }): void {
    if (!this.open) return;
    this.open = false;
    this.answered = false;
    clearInterval(this.heartbeat);
    this.onDrain?.();
    this.openWindow();
    this.call.cancel();
    this.client.close();
    this.finish({ gotConfig: this.gotConfig, ...(error && { error, code: error.code }) });
  }
}

export function toProtoResult(result: SpooledResult): Result {
  return {
    seq: result.seq,
    checkId: result.checkId,
    startedAtUnixMs: result.startedAtUnixMs,
    durationMs: result.durationMs,
    outcome: OUTCOME_WORDS.encode(result.outcome),
    reason: result.reason ?? '',
    detail: result.detail,
    timings: result.timings,
    ...(result.transcript && { transcript: toProtoTranscript(result.transcript) }),
    ...toProtoResultParts(result),
  };
}
