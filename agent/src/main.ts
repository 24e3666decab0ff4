#!/usr/bin/env node
import { CommanderError } from 'commander';
import { PortwardenError } from '@portwarden/common/errors';
import { createLogger, type Logger } from '@portwarden/common/logger';
import { createAgent, type Agent } from './agent.js';
import { FIREWALL_STATUS_COMMAND, parseCommandLine, parseFirewallStatusCommandLine } from './flags.js';
import { firewallStatus } from './probes/firewall/status-command.js';
import { SERVICE_COMMAND, serviceMain } from './service/command.js';
import { realServiceDeps } from './service/real.js';
import { realSystem } from './system/system.js';

/**
 * A clean stop (probes aborted, a drain of at most 2 s, spool closed) takes a few seconds; past
 * this the agent exits anyway, well within the 15 s WinSW waits after Ctrl+C before it kills.
 */
const STOP_DEADLINE_MS = 10_000;

/** The portwarden-agent binary: read config, build the logger, start, stop cleanly on a signal. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === FIREWALL_STATUS_COMMAND) {
    const options = parseFirewallStatusCommandLine(argv.slice(1));
    const write = (text: string) => process.stdout.write(text);
    process.exitCode = await firewallStatus(options, { system: realSystem(), write });
    return;
  }
  if (argv[0] === SERVICE_COMMAND) {
    process.exitCode = await serviceMain(argv.slice(1), realServiceDeps());
    return;
  }
  const commandLine = parseCommandLine(argv, process.env);
  const logger = createLogger({ name: 'agent', level: commandLine.logLevel });
  const agent = createAgent({ ...commandLine.agent, logger });
  const signals = stopOnSignals(agent, logger);
  try {
    await agent.start();
  } catch (err) {
    // A signal while starting (enrolling, say) aborts the start; the stop it asked for exits.
    if (signals.stopping && (err as Error).name === 'AbortError') return;
    throw err;
  }
  // The enrollment token stays out of the log: only whether TLS is on.
  const { tls, ...shown } = commandLine.agent;
  logger.info({ ...shown, tls: tls !== undefined }, 'agent started');
}

/**
 * SIGINT or SIGTERM stops the agent cleanly (a start under way is aborted first) and exits 0; a
 * second signal, or a stop still unfinished after STOP_DEADLINE_MS, exits at once with 1. On
 * Windows the service wrapper's Ctrl+C arrives as SIGINT. Installed before the start, so a signal while starting
 * still ends in a clean stop.
 */
function stopOnSignals(agent: Agent, logger: Logger): { readonly stopping: boolean } {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'stop took too long: exiting without a clean stop');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stopped uncleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get stopping() {
      return stopping;
    },
  };
}

main().catch((err: unknown) => {
  // Commander has already printed its message (or the help); --help and --version exit 0.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof PortwardenError) {
    process.stderr.write(`portwarden-agent: ${err.message}${err.hint ? `; ${err.hint}` : ''}\n`);
    process.exit(2);
  }
  // Anything else in one line, never a stack trace: the log (LOG_LEVEL=debug) says more.
  const message = err instanceof Error ? err.message || err.name : String(err);
  process.stderr.write(`portwarden-agent: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
