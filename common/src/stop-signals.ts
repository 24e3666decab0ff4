import type { Logger } from './logger.js';

/**
 * A signal within this long of the first is the same request: Ctrl-C in a terminal reaches a
 * process both from the terminal and forwarded by `npm start` (or npx, or a shell) around it.
 */
export const SAME_SIGNAL_MS = 1_000;

/**
 * What a stop signal means: 'stop' the first time; 'repeat' for the same request arriving again
 * (ignore it); 'exit' for a second request while the stop runs (exit at once, without waiting).
 */
export function stopSignal(firstAt: number | undefined, now: number): 'stop' | 'repeat' | 'exit' {
  if (firstAt === undefined) return 'stop';
  return now - firstAt < SAME_SIGNAL_MS ? 'repeat' : 'exit';
}

/**
 * SIGINT and SIGTERM for a process that stops itself: the first calls `stop` (after a log line),
 * a repeat is ignored, and a second request exits 1 at once, without waiting for the stop.
 */
export function onStopSignals(logger: Logger, stop: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const meaning = stopSignal(firstAt, Date.now());
    if (meaning === 'repeat') return;
    if (meaning === 'exit') {
      logger.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(1);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'stopping');
    stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
