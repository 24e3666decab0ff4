/**
 * Which notifications the simulated fleet should cause, and which came: the sim knows each
 * (agent, check)'s results, so it knows when one crosses the threshold (an incident opens: one
 * `firing` webhook) and when it recovers (one `resolved`). Webhooks are matched to those moments
 * by agent and check id, in order; one incident id seen twice with the same status is doubled,
 * a moment never matched is missing. Times are injected (ms), so this is pure bookkeeping.
 */
import { Samples, type LatencySummary } from '../measure/stats.js';

/** The Alertmanager webhook message the controller's webhook channel sends (notify/alertmanager.ts). */
export interface WebhookMessage {
  status?: string;
  alerts?: {
    status?: string;
    labels?: Record<string, string>;
    generatorURL?: string;
  }[];
}

export type AlertStatus = 'firing' | 'resolved';

/** The `alertname` of an agent that stopped sending heartbeats. */
export const UNREACHABLE_ALERT_NAME = 'PortwardenAgentUnreachable';

export interface NotificationReport {
  /** Firing and resolved moments the fleet caused. */
  expected: number;
  received: number;
  /** A second webhook for an incident id and status already seen. */
  doubled: number;
  /** Moments whose result was acknowledged, with no webhook by the end. */
  missing: number;
  /** Moments with no webhook whose result the controller never acknowledged (not counted missing). */
  unacknowledged: number;
  /** Webhooks for a check of the fleet that no moment explains (and not doubles). */
  unexpected: number;
  /** `agent unreachable` alerts, firing, for agents of the fleet. */
  unreachable: number;
  /** Failing result produced in the measured window → its firing webhook received, ms. */
  firingLatency: LatencySummary;
  /** The same over the whole run, hellos and warm-up included (connect storms show here). */
  firingLatencyRun: LatencySummary;
}

/** One notification the fleet expects; `acked` once the controller acknowledged its result. */
export interface Expectation {
  atMs: number;
  acked: boolean;
  /** Produced in the measured window: its latency counts in `firingLatency`. */
  measured: boolean;
}

export class NotificationTracker {
  private readonly waiting = new Map<string, Expectation[]>();
  private readonly seen = new Set<string>();
  private expected = 0;
  private received = 0;
  private doubled = 0;
  private unexpected = 0;
  private unreachable = 0;
  private readonly latency = new Samples();
  private readonly latencyRun = new Samples();
  private listeners: (() => void)[] = [];

  /** `isOurs(agent)`: whether an agent name belongs to this fleet (others' alerts are ignored). */
  constructor(private readonly isOurs: (agent: string) => boolean) {}

  /**
   * A result produced at `atMs` makes (agent, check) go `status`: one webhook should follow. The
   * caller sets `acked` on the returned expectation when the controller acknowledges the result;
   * only then does a webhook that never comes count as missing. `measured`: produced in the window.
   */
  expect(agent: string, checkId: string, status: AlertStatus, atMs: number, measured = true): Expectation {
    const expectation = { atMs, acked: false, measured };
    const key = keyOf(agent, checkId, status);
    const queue = this.waiting.get(key);
    if (queue) queue.push(expectation);
    else this.waiting.set(key, [expectation]);
    this.expected++;
    return expectation;
  }

  /** A webhook arrived at `atMs`. */
  receive(message: WebhookMessage, atMs: number): void {
    for (const alert of message.alerts ?? []) {
      const labels = alert.labels ?? {};
      const agent = labels.agent ?? '';
      if (!this.isOurs(agent)) continue;
      const status: AlertStatus = alert.status === 'resolved' ? 'resolved' : 'firing';
      if (labels.alertname === UNREACHABLE_ALERT_NAME) {
        if (status === 'firing') this.unreachable++;
        continue;
      }
      this.received++;
      const incident = /\/incidents\/(\d+)$/.exec(alert.generatorURL ?? '')?.[1] ?? '?';
      const event = `${incident}/${status}`;
      if (this.seen.has(event)) {
        this.doubled++;
        continue;
      }
      this.seen.add(event);
      const key = keyOf(agent, labels.check_id ?? '', status);
      const expectation = this.waiting.get(key)?.shift();
      if (expectation === undefined) {
        this.unexpected++;
        continue;
      }
      if (this.waiting.get(key)!.length === 0) this.waiting.delete(key);
      if (status === 'firing') {
        this.latencyRun.add(atMs - expectation.atMs);
        if (expectation.measured) this.latency.add(atMs - expectation.atMs);
      }
    }
    for (const listener of this.listeners) listener();
  }

  /** Moments whose result was acknowledged, still waiting for their webhook. */
  get outstanding(): number {
    let n = 0;
    for (const queue of this.waiting.values()) for (const e of queue) if (e.acked) n++;
    return n;
  }

  private get unacknowledged(): number {
    let n = 0;
    for (const queue of this.waiting.values()) for (const e of queue) if (!e.acked) n++;
    return n;
  }

  /** Resolves when nothing acknowledged is outstanding (checked at each webhook), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve();
      };
      const check = () => {
        if (this.outstanding === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.listeners.push(check);
    });
  }

  report(): NotificationReport {
    return {
      expected: this.expected,
      received: this.received,
      doubled: this.doubled,
      missing: this.outstanding,
      unacknowledged: this.unacknowledged,
      unexpected: this.unexpected,
      unreachable: this.unreachable,
      firingLatency: this.latency.summary(),
      firingLatencyRun: this.latencyRun.summary(),
    };
  }
}

function keyOf(agent: string, checkId: string, status: AlertStatus): string {
  return `${agent}\u0000${checkId}\u0000${status}`;
}
