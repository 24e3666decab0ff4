import { onStopSignals } from '@portwarden/common/stop-signals';
import type { Logger } from '@portwarden/common/logger';

/**
 * Past this, a stop that still waits on a dependency is given up on: orchestrators kill at 10 s
 * (Kubernetes' default grace is 30 s, systemd's 90 s, but `docker stop` waits 10 s).
 */
export const STOP_DEADLINE_MS = 9_000;

/** Exit codes: 0 a clean stop; 1 an unclean one, a second signal, or the deadline passed. */
const UNCLEAN = 1;

/**
 * SIGTERM or SIGINT stops the controller and exits 0. A second signal exits at once
 * (onStopSignals), and a stop still running at the deadline exits anyway: an operator's signal
 * always ends the process.
 */
export function stopOnSignals(
  stop: () => Promise<void>,
  logger: Logger,
  deadlineMs = STOP_DEADLINE_MS,
): void {
  onStopSignals(logger, () => {
    setTimeout(() => {
      logger.error({ deadlineMs }, 'stop still waiting at its deadline: exiting without a clean stop');
      process.exit(UNCLEAN);
    }, deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean stop');
        process.exit(UNCLEAN);
      },
    );
  });
}
