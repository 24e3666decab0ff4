import { randomUUID } from 'node:crypto';
import type { TestResult } from '@portwarden/proto/agent/v1';
import type { FirewallReport } from '../ingest/reports.js';
import type { IncomingResult } from '../ingest/types.js';
import { validateTestResult } from '../grpc/validate.js';

/**
 * "Test now": the controller asks an agent, on its open stream, to run one check at once, and
 * waits for the answer. Nothing of it is stored: no sequenced result, no threshold, no response.
 */

/** A test result as the API returns it. */
export interface TestProbeResult {
  checkId: string;
  startedAt: Date;
  durationMs: number;
  outcome: 'up' | 'down';
  reason: IncomingResult['reason'];
  detail: string;
  timings: Record<string, number> | null;
  transcript: IncomingResult['transcript'];
  /** A firewall check: the state of each profile. */
  firewall: FirewallReport | null;
}

export type TestOutcome =
  | { status: 'done'; result: TestProbeResult }
  /** The agent could not run it (it runs no such check, or sent a result that breaks the contract). */
  | { status: 'refused'; error: string }
  | { status: 'not-connected' }
  | { status: 'timeout' };

/** Where a TestRequest goes: the open stream of an agent on this replica, if there is one. */
export interface TestTarget {
  send(request: { requestId: string; checkId: string }): void;
}

export interface TestBroker {
  /** Sends the request to the agent's stream and waits at most `timeoutMs` for its TestResult. */
  run(agent: string, checkId: string, timeoutMs: number): Promise<TestOutcome>;
  /** A TestResult arrived on `agent`'s stream. Throws InvalidMessageError when it breaks the contract. */
  settle(agent: string, answer: TestResult): void;
  /** Ends every wait (controller stopping). */
  close(): void;
}

interface Pending {
  agent: string;
  finish(outcome: TestOutcome): void;
}

export function createTestBroker(target: (agent: string) => TestTarget | undefined): TestBroker {
  const pending = new Map<string, Pending>();
  return {
    run(agent, checkId, timeoutMs) {
      const stream = target(agent);
      if (!stream) return Promise.resolve({ status: 'not-connected' });
      const requestId = randomUUID();
      return new Promise<TestOutcome>((resolve) => {
        const timer = setTimeout(() => finish({ status: 'timeout' }), timeoutMs);
        const finish = (outcome: TestOutcome) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(outcome);
        };
        pending.set(requestId, { agent, finish });
        stream.send({ requestId, checkId });
      });
    },
    settle(agent, answer) {
      const waiting = pending.get(answer.requestId);
      // Late (timed out), or another agent's: an agent answers only what it was asked.
      if (!waiting || waiting.agent !== agent) return;
      if (answer.error || !answer.result) {
        waiting.finish({ status: 'refused', error: answer.error || 'the agent sent no result' });
        return;
      }
      try {
        waiting.finish({ status: 'done', result: testProbeResult(validateTestResult(answer.result)) });
      } catch (err) {
        waiting.finish({
          status: 'refused',
          error: `the agent sent an invalid result: ${(err as Error).message}`,
        });
        throw err;
      }
    },
    close() {
      for (const waiting of pending.values()) waiting.finish({ status: 'not-connected' });
    },
  };
}

function testProbeResult(r: Omit<IncomingResult, 'seq'>): TestProbeResult {
  return {
    checkId: r.checkId,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    outcome: r.outcome,
    reason: r.reason,
    detail: r.detail,
    timings: r.timings,
    transcript: r.transcript ?? null,
    firewall: r.firewall ?? null,
  };
}
