#!/usr/bin/env node
import { PortwardenError } from '@portwarden/common/errors';
import { createLogger, type Logger } from '@portwarden/common/logger';
import { onStopSignals } from '@portwarden/common/stop-signals';
import { databaseFix } from '@portwarden/controller/report';
import { bannerColor, formatBanner } from './banner.js';
import { startQuickstart } from './quickstart.js';
import { readSettings } from './settings.js';
import { createStopStack } from './stop-stack.js';
import { usageAnswer } from './usage.js';

/**
 * `npm start`: read the environment, build the logger, start everything, print where to look, and
 * on SIGINT/SIGTERM stop the agent, the controller and the embedded database in that order.
 * Logs go to stderr, readable lines on a terminal and JSON lines otherwise; stdout carries only the
 * banner, framed so that it stands out among them.
 */
function main(): void {
  const usage = usageAnswer(process.argv.slice(2));
  if (usage) {
    process.stdout.write(usage.stdout);
    process.stderr.write(usage.stderr);
    process.exit(usage.exitCode);
  }
  const logger = createLogger({ name: 'quickstart', fd: 2 });
  const stack = createStopStack(logger);
  const abort = new AbortController();

  const shutdown = (code: number) => void stack.stopAll().then((clean) => process.exit(clean ? code : 1));
  let starting: Promise<unknown> = Promise.resolve();
  onStopSignals(logger, (signal) => {
    abort.abort(new Interrupted(signal));
    // Let a component that is starting finish, so that it can be stopped properly.
    void starting.finally(() => shutdown(0));
  });

  try {
    const settings = readSettings(process.env, process.cwd());
    starting = startQuickstart({ settings, logger, stack, signal: abort.signal }).then(
      (info) => {
        if (!abort.signal.aborted)
          process.stdout.write(
            `${formatBanner(info, { color: bannerColor(process.stdout.isTTY, process.env) })}\n`,
          );
      },
      (err: unknown) => {
        if (!abort.signal.aborted) shutdown(report(err, logger));
      },
    );
  } catch (err) {
    process.exit(report(err, logger));
  }
}

class Interrupted extends Error {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** Logs the failure, prints one human line (with a hint when there is one), returns the exit code. */
function report(err: unknown, logger: Logger): number {
  logger.error({ err }, 'quick start failed');
  const { code, address, port } = (err ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number };
  const databaseHint = databaseFix(err);
  const text =
    err instanceof PortwardenError
      ? `${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`
      : databaseHint
        ? `PostgreSQL: ${(err as Error).message}\n  hint: ${databaseHint}`
        : code === 'EADDRINUSE'
          ? `${address}:${port} is already in use\n  hint: set PORTWARDEN_HTTP_LISTEN or PORTWARDEN_GRPC_LISTEN to a free port (port 0 picks one), or stop what holds it`
          : // One line: the log line above holds the stack for whoever needs it.
            (err instanceof Error ? err.message : String(err)).split('\n')[0];
  process.stderr.write(`portwarden quick start: ${text}\n`);
  return err instanceof PortwardenError || databaseHint || code === 'EADDRINUSE' ? 2 : 1;
}

main();
