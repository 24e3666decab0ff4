import { status as Status, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  Outcome,
  TranscriptDirection,
  type AgentServiceClient,
  type Check,
  type ConnectRequest,
  type ConnectResponse,
  type Result,
} from '@portwarden/proto/agent/v1';
import type { Expectation, NotificationTracker } from '../notify/tracker.js';
import type { Counters } from './counters.js';
import { batchesToSend } from './flow.js';

/** What every agent of a fleet shares. */
export interface AgentContext {
  counters: Counters;
  tracker?: NotificationTracker;
  /** Labels every agent says in its hello (the policy selects the fleet by them). */
  labels: Record<string, string>;
  /** At most this many checks of a pushed config are probed (the fleet's `checks`). */
  maxChecks: number;
  /** The sim's clock, ms (performance.now()). */
  now(): number;
  random(): number;
  failureRate: number;
  /** The real agent's reconnect backoff: the first wait, doubled up to `reconnectMaxMs`. */
  reconnectMs: number;
  reconnectMaxMs: number;
  /** Called with the checks of each agent's first config. */
  onFirstConfig(checks: readonly Check[]): void;
}

const UP_TIMINGS = { dnsMs: 0, connectMs: 1, tlsMs: 0, firstByteMs: 0, totalMs: 1 };
const DOWN_TIMINGS = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 1 };
const DOWN_TRANSCRIPT = {
  entries: [
    { atMs: 1, direction: TranscriptDirection.TRANSCRIPT_DIRECTION_NOTE, text: 'connection refused' },
  ],
  truncated: false,
};

interface InFlight {
  lastSeq: number;
  sentAt: number;
  results: Result[];
}

/**
 * One simulated agent: its stream (hello → config → configAck; results up, acks down; heartbeats),
 * its seqs, the real agent's flow control (agents/flow.ts) and, per check, the consecutive
 * failures that tell when a notification is due. The fleet's wheel calls `probe` and `heartbeat`.
 */
export class SimAgent {
  private call: ClientDuplexStream<ConnectRequest, ConnectResponse> | undefined;
  private seq = 0;
  private checks: Check[] = [];
  /** Sent and not acknowledged, oldest first; `head` is the index of the oldest. */
  private inflight: InFlight[] = [];
  private head = 0;
  /** Results waiting for a window slot (or for a stream), oldest first. */
  private waiting: Result[] = [];
  private readonly failures: Uint32Array;
  private readonly open: Uint8Array;
  private stopped = false;
  private configured = false;
  /** Notifications this agent's unacknowledged results should cause, by seq, oldest first. */
  private expectations: { seq: number; expectation: Expectation }[] = [];
  /** Streams ended since the last config, for the backoff. */
  private attempt = 0;
  /** When the current stream was opened (the hello written), on the sim's clock. */
  helloAt: number | undefined;
  /** When the current stream delivered its first config; undefined while it has none. */
  configuredAt: number | undefined;
  /** When the last stream ended other than by `stop()`; undefined if none has. */
  endedAt: number | undefined;

  constructor(
    readonly name: string,
    private readonly client: AgentServiceClient,
    private readonly ctx: AgentContext,
  ) {
    this.failures = new Uint32Array(ctx.maxChecks);
    this.open = new Uint8Array(ctx.maxChecks);
  }

  /**
   * Seqs 1..lastSeq are every result this agent produced, each offered until acknowledged (the
   * faults bench counts them in the controller's `results`: each must be there exactly once).
   */
  get lastSeq(): number {
    return this.seq;
  }

  /** Results produced and not acknowledged yet: waiting, or sent on a stream. */
  get unacknowledged(): number {
    let n = this.waiting.length;
    for (let i = this.head; i < this.inflight.length; i++) n += this.inflight[i]!.results.length;
    return n;
  }

  connect(): void {
    if (this.stopped) return;
    const call = this.client.connect();
    this.call = call;
    this.helloAt = this.ctx.now();
    this.configuredAt = undefined;
    call.on('data', (message: ConnectResponse) => this.receive(message));
    call.on('error', (err: { code?: number }) => this.ended(call, err.code));
    call.on('end', () => this.ended(call));
    call.write({
      body: {
        $case: 'hello',
        value: {
          name: this.name,
          labels: this.ctx.labels,
          os: 'linux',
          agentVersion: 'sim',
          configRevision: 0,
          hostname: this.name,
        },
      },
    });
    // As the real agent: a new stream starts with what the last one left unacknowledged.
    this.flush();
  }

  /** The probe of check `index` has just finished. */
  probe(index: number): void {
    const check = this.checks[index];
    if (!check || index >= this.ctx.maxChecks) return;
    const now = this.ctx.now();
    const down = this.ctx.failureRate > 0 && this.ctx.random() < this.ctx.failureRate;
    const failures = down ? this.failures[index]! + 1 : 0;
    this.failures[index] = failures;
    const result: Result = {
      seq: ++this.seq,
      checkId: check.id,
      startedAtUnixMs: Date.now() - 1,
      durationMs: 1,
      outcome: down ? Outcome.OUTCOME_DOWN : Outcome.OUTCOME_UP,
      reason: down ? 'refused' : '',
      detail: '',
      timings: down ? DOWN_TIMINGS : UP_TIMINGS,
      ...(down && { transcript: DOWN_TRANSCRIPT }),
      consecutiveFailures: failures,
      responds: false,
    };
    this.ctx.counters.offered++;
    const tracker = this.ctx.tracker;
    if (tracker) {
      const threshold = Math.max(1, check.failuresBeforeAlert);
      let expectation: Expectation | undefined;
      if (down && failures === threshold && this.open[index] === 0) {
        this.open[index] = 1;
        expectation = tracker.expect(this.name, check.id, 'firing', now, this.ctx.counters.measuring);
      } else if (!down && this.open[index] === 1) {
        this.open[index] = 0;
        expectation = tracker.expect(this.name, check.id, 'resolved', now, this.ctx.counters.measuring);
      }
      if (expectation) this.expectations.push({ seq: result.seq, expectation });
    }
    this.waiting.push(result);
    this.ctx.counters.waiting++;
    this.flush();
  }

  heartbeat(): void {
    if (!this.call || !this.configured) return;
    this.call.write({ body: { $case: 'heartbeat', value: { sentAtUnixMs: Date.now(), lastSeq: this.seq } } });
    this.ctx.counters.heartbeats++;
  }

  stop(): void {
    this.stopped = true;
    const call = this.call;
    this.call = undefined;
    call?.end();
    call?.cancel();
  }

  /** Sends what waits, as far as the window allows. */
  private flush(): void {
    const call = this.call;
    if (!call || this.waiting.length === 0) return;
    const sizes = batchesToSend(this.waiting.length, this.inflight.length - this.head);
    if (sizes.length === 0) return;
    const counters = this.ctx.counters;
    const now = this.ctx.now();
    let from = 0;
    for (const size of sizes) {
      const results = size === this.waiting.length ? this.waiting : this.waiting.slice(from, from + size);
      from += size;
      call.write({ body: { $case: 'results', value: { results } } });
      this.inflight.push({ lastSeq: results[results.length - 1]!.seq, sentAt: now, results });
      counters.sentMessages++;
      counters.sentResults += size;
      if (size > counters.largestBatch) counters.largestBatch = size;
    }
    counters.waiting -= from;
    this.waiting = from === this.waiting.length ? [] : this.waiting.slice(from);
  }

  private receive(message: ConnectResponse): void {
    const body = message.body;
    if (body?.$case === 'ack') this.acknowledged(body.value.upToSeq);
    else if (body?.$case === 'config') {
      const checks = body.value.config?.checks ?? [];
      this.checks = checks.filter((c) => c.enabled && c.kind?.$case === 'port');
      this.call?.write({ body: { $case: 'configAck', value: { revision: body.value.revision, error: '' } } });
      this.attempt = 0;
      this.configuredAt ??= this.ctx.now();
      if (!this.configured) {
        this.configured = true;
        this.ctx.counters.configured++;
        this.ctx.onFirstConfig(this.checks);
      }
    }
  }

  private acknowledged(upToSeq: number): void {
    const counters = this.ctx.counters;
    const now = this.ctx.now();
    while (this.head < this.inflight.length && this.inflight[this.head]!.lastSeq <= upToSeq) {
      const done = this.inflight[this.head++]!;
      const n = done.results.length;
      counters.acked += n;
      counters.ackedMessages++;
      if (counters.measuring) counters.ackLatency.add(now - done.sentAt, n);
    }
    let done = 0;
    while (done < this.expectations.length && this.expectations[done]!.seq <= upToSeq)
      this.expectations[done++]!.expectation.acked = true;
    if (done > 0) this.expectations = this.expectations.slice(done);
    if (this.head > 64 && this.head * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.head);
      this.head = 0;
    }
    this.flush();
  }

  /** The stream ended: unacknowledged results wait for the next one, as in the real agent's spool. */
  private ended(call: ClientDuplexStream<ConnectRequest, ConnectResponse>, code?: number): void {
    if (this.call !== call) return;
    this.call = undefined;
    const unacked = this.inflight.slice(this.head).flatMap((m) => m.results);
    this.inflight = [];
    this.head = 0;
    this.waiting = unacked.concat(this.waiting);
    this.ctx.counters.waiting += unacked.length;
    if (this.stopped) return;
    this.configuredAt = undefined;
    this.endedAt = this.ctx.now();
    this.ctx.counters.streamEnded(code === undefined ? 'ended' : (Status[code] ?? String(code)));
    // The agent's backoff (agent/src/link/backoff.ts): doubled from the first wait up to the
    // cap, half of it random, so a fleet the controller turned away does not return in lockstep.
    const ceiling = Math.min(this.ctx.reconnectMaxMs, this.ctx.reconnectMs * 2 ** this.attempt);
    if (ceiling < this.ctx.reconnectMaxMs) this.attempt++;
    setTimeout(() => this.connect(), ceiling / 2 + (this.ctx.random() * ceiling) / 2).unref();
  }
}
