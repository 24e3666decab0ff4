import { status as Status } from '@grpc/grpc-js';

/**
 * The agent's reconnect policy, in one place: how long to wait before the next attempt and how to
 * treat the status a stream ended with. The agent never gives up: monitoring goes on offline, and
 * the controller may come back at any time.
 */
export interface BackoffOptions {
  /** Delay before the first retry. @default 250 */
  initialMs?: number;
  /** The delay doubles up to this. @default 30_000 */
  maxMs?: number;
  /** @default Math.random */
  random?: () => number;
}

export interface Backoff {
  /** The next delay: doubled each time, capped, with jitter. */
  next(): number;
  /** Waits at the cap from now on, for a failure that retrying soon will not fix. */
  slowDown(): void;
  /** Back to the initial delay, after a healthy stream. */
  reset(): void;
}

/**
 * "Equal jitter": half the delay is fixed and half random, so a fleet that lost its controller at
 * the same moment does not come back in lockstep, and no agent retries in a tight loop.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 250;
  const maxMs = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
      if (ceiling < maxMs) attempt++;
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    slowDown() {
      attempt = Math.ceil(Math.log2(maxMs / initialMs));
    },
    reset() {
      attempt = 0;
    },
  };
}

/**
 * Statuses that say the controller refuses this agent rather than that it is unreachable: the
 * agent keeps trying, at the slowest pace, and logs them as errors someone must fix.
 */
const REFUSALS: ReadonlySet<number> = new Set([
  Status.UNAUTHENTICATED,
  Status.PERMISSION_DENIED,
  Status.UNIMPLEMENTED,
  Status.INVALID_ARGUMENT,
  Status.FAILED_PRECONDITION,
]);

export function isRefusal(code: number | undefined): boolean {
  return code !== undefined && REFUSALS.has(code);
}
