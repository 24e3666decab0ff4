import { stopSignal } from '@portwarden/common/lifecycle';
import type { Logger } from '@portwarden/common/logger';

/**
 * Past this, a stop that still waits on a dependency is given up on: orchestrators kill at 10 s
 * (Kubernetes' default grace is 30 s, systemd's 90 s, but `docker stop` waits 10 s).
 */
export const STOP_DEADLINE_MS = 9_000;

/** Exit codes: 0 a clean stop; 1 an unclean one, a second signal, or the deadline passed. */
const UNCLEAN = 1;

/**
 * SIGTERM or SIGINT stops the controller and exits 0. A second signal (a second or more after the
 * first: stopSignal) exits at once, and a stop
 * still running at the deadline exits anyway: an operator's signal always ends the process.
 */
export function stopOnSignals(
  stop: () => Promise<void>,
  logger: Logger,
  deadlineMs = STOP_DEADLINE_MS,
): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const meaning = stopSignal(firstAt, Date.now());
    if (meaning === 'repeat') return;
    if (meaning === 'exit') {
      logger.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(UNCLEAN);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'stopping');
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
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
