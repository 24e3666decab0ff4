import { Command, type OutputConfiguration } from 'commander';
import type { PortwardenError } from '@portwarden/common/errors';
import { ServiceError } from './errors.js';
import { runService, type ServiceCommand, type ServiceDeps } from './service.js';

/** The subcommand that manages the Windows service; see parseServiceCommandLine. */
export const SERVICE_COMMAND = 'service';

const STATE_DIR_HELP = 'the state directory (default: %ProgramData%\\Portwarden)';

function serviceCommand(found: (command: ServiceCommand) => void, output?: OutputConfiguration): Command {
  const program = new Command(`portwarden-agent ${SERVICE_COMMAND}`)
    .description('Manages the PortwardenAgent Windows service (run as Administrator).')
    .exitOverride();
  if (output) program.configureOutput(output);
  program.addHelpText(
    'after',
    '\nExit status: 0 done (status: running); 1 failed; 2 usage; 3 status: installed, not running; 4 not installed.',
  );
  program
    .command('install')
    .description(
      'register the service (automatic, delayed start; restarts after a failure); again: reconfigure',
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--account <name>', 'run as DOMAIN\\user or .\\user (default: LocalSystem)')
    .option('--password-file <file>', "a file holding the account's password")
    .option('--wrapper <file>', 'winsw.exe (default: the copy inside the packaged exe)')
    .option('--agent-exe <file>', 'portwarden-agent.exe (default: this exe)')
    .action((options) => found({ command: 'install', options }));
  program
    .command('uninstall')
    .description('stop and remove the service and its wrapper; the state directory is kept')
    .option('--agent-exe <file>', 'portwarden-agent.exe (default: this exe)')
    .action((options) => found({ command: 'uninstall', options }));
  for (const [name, what] of [
    ['start', 'start the service and wait until it runs'],
    ['stop', 'stop the service (the agent drains its acknowledgements) and wait until it has stopped'],
    ['status', 'print the state: exit 0 running, 3 not running, 4 not installed'],
  ] as const)
    program
      .command(name)
      .description(what)
      .action(() => found({ command: name }));
  program
    .command('configure')
    .description(
      'write <state-dir>\\agent.env (an empty value keeps the old one), lock the ACL, apply SCM settings',
    )
    .option('--controller <host:port,...>', 'controller gRPC address(es)')
    .option('--enroll-token <token>', 'a token from portwarden token create')
    .option('--name <name>', "this agent's name")
    .option('--labels <k=v,...>', 'labels, with --insecure only')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action((options) => found({ command: 'configure', options }));
  return program;
}

/** Reads `service` argv (after the word `service`). Throws CommanderError on a usage error. */
export function parseServiceCommandLine(argv: string[], output?: OutputConfiguration): ServiceCommand {
  let command: ServiceCommand | undefined;
  serviceCommand((c) => (command = c), output).parse(argv, { from: 'user' });
  // Commander has shown the help and thrown when no subcommand was given; this is a safeguard.
  if (!command) throw new Error('no service command');
  return command;
}

/**
 * `portwarden-agent service ...`: returns the exit status. A ServiceError prints its one line
 * and gives its status; a ConfigError (and commander's usage errors) is thrown, exit 2.
 */
export async function serviceMain(
  argv: string[],
  deps: ServiceDeps & { writeError(text: string): void },
): Promise<number> {
  const command = parseServiceCommandLine(argv);
  try {
    return await runService(command, deps);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    deps.writeError(`portwarden-agent: ${oneLine(err)}\n`);
    return err.exitCode;
  }
}

function oneLine(err: PortwardenError): string {
  return `${err.message}${err.hint ? `; ${err.hint}` : ''}`;
}
