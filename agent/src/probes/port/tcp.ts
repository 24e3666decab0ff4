import type { Probe, ProbeContext, ProbeResult } from '../probe.js';
import { Attempt } from './attempt.js';
import { down, type Verdict } from './conversation.js';
import { PlanError, planOf, type Plan } from './plan.js';
import {
  literalTarget,
  lookupFailure,
  systemLookup,
  targetsOf,
  type Lookup,
  type Target,
} from './resolve.js';
import type { PortSpec } from './spec.js';
import { combine, slowness } from './verdict.js';

export type { PortSpec } from './spec.js';
export type { Lookup, LookupAddress } from './resolve.js';

export interface PortProbeDependencies {
  /** @default node:dns/promises lookup, the system resolver as every other program uses it */
  lookup?: Lookup;
}

/** Builds the port probe; tests pass their own lookup, everyone else uses `probePort`. */
export function createPortProbe(deps: PortProbeDependencies = {}): Probe<PortSpec> {
  const lookup = deps.lookup ?? systemLookup;
  return (spec, ctx) => runPortProbe(spec, ctx, lookup);
}

/** The `port` probe: never throws, never leaks; see agent/README.md for what it does exactly. */
export const probePort: Probe<PortSpec> = createPortProbe();

function runPortProbe(spec: PortSpec, ctx: ProbeContext, lookup: Lookup): Promise<ProbeResult> {
  let plan: Plan;
  try {
    plan = planOf(spec);
  } catch (err) {
    const verdict =
      err instanceof PlanError
        ? down('tls', err.message)
        : down('internal', `probe failed: ${(err as Error).message}`);
    return Promise.resolve(ProbeRun.immediate(verdict));
  }
  return new ProbeRun(plan, ctx, lookup).promise;
}

/**
 * One run of a port probe: resolve, then one attempt per address, all bounded by a single timer
 * armed for the next deadline (the connect deadline while any attempt connects, then the whole
 * probe's). Settles once every attempt has ended, or as soon as the outcome is certain (`all`:
 * the first failure, `any`: the first success), the others cancelled.
 */
class ProbeRun {
  readonly promise: Promise<ProbeResult>;
  private settle!: (result: ProbeResult) => void;
  private readonly origin = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** Milliseconds from the start: when connecting must be over, and when everything must be. */
  private connectDeadline = 0;
  private readonly deadline: number;
  private connectExpired = false;
  private resolving = true;
  private concluded = false;
  private attempts: Attempt[] = [];
  private running = 0;
  private dnsMs = 0;
  private decided: Attempt | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly ctx: ProbeContext,
    lookup: Lookup,
  ) {
    this.promise = new Promise((resolve) => (this.settle = resolve));
    this.deadline = plan.spec.timeoutMs;
    if (ctx.signal?.aborted) {
      this.conclude(down('internal', 'probe cancelled'));
      return;
    }
    ctx.signal?.addEventListener('abort', this);
    if (plan.literal !== 0) {
      this.connect(literalTarget(plan));
      return;
    }
    this.arm(this.deadline);
    lookup(plan.host, { family: plan.family, all: true }).then(
      (answer) => this.answered(answer),
      (err: unknown) => this.concluded || this.conclude(down('dns', lookupFailure(plan.host, err))),
    );
  }

  static immediate(verdict: Verdict): ProbeResult {
    const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 };
    return { ...verdict, durationMs: 0, timings };
  }

  /** The abort signal (an EventListener object: no closure per probe). */
  handleEvent(): void {
    if (this.resolving) return this.conclude(down('internal', 'probe cancelled'));
    for (const attempt of this.attempts) attempt.abort();
  }

  private answered(answer: { address: string; family: number }[]): void {
    if (this.concluded) return;
    const targets = targetsOf(this.plan, answer);
    if (!targets) {
      const family = this.plan.family === 0 ? '' : ` IPv${this.plan.family}`;
      return this.conclude(down('dns', `cannot resolve ${this.plan.host}: no${family} address`));
    }
    this.connect(targets);
  }

  private connect(targets: Target[]): void {
    this.resolving = false;
    this.dnsMs = performance.now() - this.origin;
    this.connectDeadline = Math.min(this.dnsMs + this.plan.spec.connectTimeoutMs, this.deadline);
    this.running = targets.length;
    this.attempts = targets.map((t) => new Attempt(this.plan, t, this.origin, this.onAttemptDone));
    this.arm(this.connectDeadline);
    for (const attempt of this.attempts) attempt.start();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    const ms = Math.max(0, Math.round(at - (performance.now() - this.origin)));
    this.timer = setTimeout(onTimer, ms, this);
  }

  /** The one timer fired: it was armed for the connect deadline, or for the whole probe's. */
  fire(): void {
    this.timer = undefined;
    if (this.resolving) {
      return this.conclude(down('dns', `no answer from the resolver within ${this.plan.spec.timeoutMs} ms`));
    }
    const expired = this.connectExpired || this.connectDeadline >= this.deadline;
    this.connectExpired = true;
    if (!expired) this.arm(this.deadline);
    for (const attempt of this.attempts) attempt.tick(true, expired);
  }

  private readonly onAttemptDone = (attempt: Attempt): void => {
    this.running -= 1;
    if (this.concluded || this.decided) return this.maybeFinish();
    const mode = this.plan.spec.addresses;
    const up = attempt.verdict!.outcome === 'up';
    // The outcome is certain: cancel the rest.
    if (this.attempts.length > 1 && ((mode === 'all' && !up) || (mode === 'any' && up))) {
      this.decided = attempt;
      for (const other of this.attempts) if (other !== attempt) other.abort();
    }
    this.maybeFinish();
  };

  private maybeFinish(): void {
    if (this.running > 0 || this.concluded) return;
    const { verdict, attempt } = combine(this.plan, this.attempts, this.decided);
    this.conclude(verdict, attempt);
  }

  private conclude(verdict: Verdict, attempt?: Attempt): void {
    if (this.concluded) return;
    this.concluded = true;
    clearTimeout(this.timer);
    this.ctx.signal?.removeEventListener('abort', this);
    const totalMs = Math.round(performance.now() - this.origin);
    const spec = this.plan.spec;
    const final = slowness(verdict, totalMs, spec.slowAfterMs);
    const result: ProbeResult = {
      ...final,
      durationMs: totalMs,
      timings: {
        dnsMs: Math.round(this.dnsMs),
        connectMs: Math.round(attempt?.connectMs ?? 0),
        tlsMs: Math.round(attempt?.tlsMs ?? 0),
        firstByteMs: Math.round(attempt?.firstByteMs ?? 0),
        totalMs,
      },
    };
    if (attempt && (spec.transcript || final.outcome === 'down'))
      result.transcript = attempt.recorder.build();
    this.settle(result);
  }
}

function onTimer(run: ProbeRun): void {
  run.fire();
}
