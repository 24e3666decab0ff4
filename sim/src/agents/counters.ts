import { Samples } from '../measure/stats.js';

/** Fleet-wide running totals; the run takes snapshots at the window's edges. */
export class Counters {
  /** Results produced (probes finished while the agent had its config). */
  offered = 0;
  /** Results written to a stream (a resend after a reconnect counts again). */
  sentResults = 0;
  sentMessages = 0;
  /** Results covered by an ack, each once. */
  acked = 0;
  ackedMessages = 0;
  heartbeats = 0;
  /** Streams that ended other than by the sim's own stop. */
  streamErrors = 0;
  /** Agents that have their first config. */
  configured = 0;
  /** Results waiting in agents for a free window slot, now. */
  waiting = 0;
  /** While true, acks add their latency (send → ack, ms) to `ackLatency`. */
  measuring = false;
  ackLatency = new Samples();
  /** Streams ended by status name (UNAVAILABLE, DEADLINE_EXCEEDED, …; `ended`: without an error). */
  readonly streamEnds = new Map<string, number>();
  /** The largest batch written so far. */
  largestBatch = 0;

  streamEnded(why: string): void {
    this.streamErrors++;
    this.streamEnds.set(why, (this.streamEnds.get(why) ?? 0) + 1);
  }

  snapshot(): CounterSnapshot {
    return {
      offered: this.offered,
      sentResults: this.sentResults,
      sentMessages: this.sentMessages,
      acked: this.acked,
      ackedMessages: this.ackedMessages,
      heartbeats: this.heartbeats,
      streamErrors: this.streamErrors,
    };
  }
}

export interface CounterSnapshot {
  offered: number;
  sentResults: number;
  sentMessages: number;
  acked: number;
  ackedMessages: number;
  heartbeats: number;
  streamErrors: number;
}

export function counterDelta(before: CounterSnapshot, after: CounterSnapshot): CounterSnapshot {
  return {
    offered: after.offered - before.offered,
    sentResults: after.sentResults - before.sentResults,
    sentMessages: after.sentMessages - before.sentMessages,
    acked: after.acked - before.acked,
    ackedMessages: after.ackedMessages - before.ackedMessages,
    heartbeats: after.heartbeats - before.heartbeats,
    streamErrors: after.streamErrors - before.streamErrors,
  };
}
