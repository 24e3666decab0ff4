/** Bounds on what the controller has read from agents and not yet committed. */
export interface FlowLimits {
  /** Results messages of one stream read and not yet committed. @default 16 */
  perStream: number;
  /** Results of all streams read and not yet committed. @default 16000 */
  total: number;
}

export const DEFAULT_FLOW_LIMITS: Readonly<FlowLimits> = { perStream: 16, total: 16_000 };

/**
 * Where back-pressure starts. A stream past either bound stops being read: grpc-js then stops
 * reading its HTTP/2 stream, the peer's flow-control window closes, and the agent's own window
 * (agent/src/link/link.ts) makes it spool and send what piles up as one batch once acks come back.
 * So the controller holds a bounded amount of work however far the fleet outruns PostgreSQL.
 */
export class FlowGate {
  private inFlight = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limits: FlowLimits = DEFAULT_FLOW_LIMITS) {}

  /** Results read from any stream and not committed yet. */
  get pending(): number {
    return this.inFlight;
  }

  /** Whether a stream with `messages` uncommitted messages may be read further. */
  open(messages: number): boolean {
    return messages < this.limits.perStream && this.inFlight < this.limits.total;
  }

  admit(results: number): void {
    this.inFlight += results;
  }

  release(results: number): void {
    this.inFlight -= results;
    if (this.inFlight >= this.limits.total || this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` once the total falls below its bound (a stream waiting for room). */
  whenRoom(wake: () => void): void {
    this.waiting.add(wake);
  }

  forget(wake: () => void): void {
    this.waiting.delete(wake);
  }
}
