import type { Logger } from '@portwarden/common/logger';
import type { TestRequest, TestResult } from '@portwarden/proto/agent/v1';
import type { CheckSpec } from './config/config.js';
import { toProtoResult } from './link/link.js';
import type { Probing } from './probing.js';
import { createScheduler } from './scheduler/scheduler.js';
import type { ResultRecord } from './spool/spool.js';

export interface ChecksDeps {
  /** Known from the agent's start on, when the local config has been read. */
  probing(): Probing;
  /** Keeps a result: on disk first, then on its way to the controller. */
  record(result: ResultRecord): Promise<void>;
  /** Called whenever a config starts running. */
  onConfig?(revision: number): void;
  logger: Logger;
}

/** The checks of the config in force: run on schedule, and on request ("test now"). */
export interface Checks {
  /** Swaps in the checks of a config, in one step. */
  run(checks: CheckSpec[], revision: number): void;
  /** "Test now": one probe outside the schedule; no count, no response, nothing spooled. Never throws. */
  test(request: TestRequest): Promise<TestResult>;
  /** Stops probing; resolves when no probe is in flight. A probe cut short records nothing. */
  stop(): Promise<void>;
  /** The revision of the config being run; 0 before the first one. */
  readonly revision: number;
}

export function createChecks(deps: ChecksDeps): Checks {
  const log = deps.logger;
  let revision = 0;
  /** Every check of the config in force, disabled ones included: what "test now" may run. */
  let configured = new Map<string, CheckSpec>();
  /** Aborts the "test now" probes in flight when the agent stops. */
  let tests = new AbortController();

  const scheduler = createScheduler<CheckSpec>({
    logger: log.child({ component: 'scheduler' }),
    run: async (check, signal) => {
      const startedAtUnixMs = Date.now();
      const result = await deps.probing().round(check, signal);
      // A check removed or changed mid-probe: its result describes a check that no longer exists.
      if (!signal.aborted) await deps.record({ checkId: check.id, startedAtUnixMs, ...result });
    },
  });

  return {
    run(checks, next) {
      scheduler.update(checks);
      configured = new Map(checks.map((c) => [c.id, c]));
      revision = next;
      log.info({ revision, checks: scheduler.checks.size }, 'running config');
      deps.onConfig?.(revision);
    },
    async test(request) {
      const check = configured.get(request.checkId);
      if (!check) {
        const error = `this agent runs no check "${request.checkId}"`;
        return { requestId: request.requestId, result: undefined, error };
      }
      const startedAtUnixMs = Date.now();
      const result = await deps.probing().probe(check, tests.signal);
      log.info({ checkId: check.id, outcome: result.outcome }, 'test now');
      const seqZero = { ...result, seq: 0, checkId: check.id, startedAtUnixMs };
      return { requestId: request.requestId, result: toProtoResult(seqZero), error: '' };
    },
    async stop() {
      tests.abort();
      tests = new AbortController();
      await scheduler.stop();
    },
    get revision() {
      return revision;
    },
  };
}
