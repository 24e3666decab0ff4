#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { text } from 'node:stream/consumers';
import { Command, CommanderError, Option } from 'commander';
import { quickstartToken, resolveTarget } from './auth.js';
import { createClient, DEFAULT_URL } from './client.js';
import { configPath, pickContext, readConfig } from './config.js';
import { describeError, exitCodeOf } from './report.js';
import { login } from './commands/login.js';
import { ack } from './commands/ack.js';
import { disable, enable } from './commands/override.js';
import { revokeAgent } from './commands/agents.js';
import { createApiToken, listApiTokens, revokeApiToken } from './commands/api-token.js';
import { deleteSecret, listSecrets, setSecret } from './commands/secret.js';
import { addSilence, expireSilence, listSilences, type AddSilenceOptions } from './commands/silence.js';
import { apply, policyFile } from './commands/apply.js';
import { get, RESOURCE_NAMES, type GetFilter } from './commands/get.js';
import { test } from './commands/test.js';
import { DESCRIBE_KINDS, describeIncident } from './commands/describe.js';
import { createToken } from './commands/token.js';
import { runProbeCommand } from './probe/command.js';
import { EXIT } from './probe/nagios.js';
import { addProbeFlags, type ProbeFlags } from './probe/flags.js';

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

const program = new Command('portwarden')
  .description('Portwarden operator CLI (talks to the controller HTTP API)')
  // No commander .env()/.default(): resolveTarget ranks flags, env, the config and the quick start.
  .option(
    '--url <url>',
    `controller HTTP API (env: PORTWARDEN_URL; default: the config's current context, else ${DEFAULT_URL})`,
  )
  .option(
    '--token <token>',
    "API token (env: PORTWARDEN_TOKEN; default: the config's for its URL, else the quick start's, against its URL)",
  )
  .option('--context <name>', 'the context of the config to use instead of its current one')
  .version(cliVersion(), '-V, --version', 'print the version of portwarden')
  .showHelpAfterError()
  // Commander's errors (usage, unknown command or option) become rejections that end in exitCodeOf:
  // they are a problem the user can fix (2), not commander's default 1. Subcommands inherit this.
  .exitOverride();

const config = () => configPath(process.env, homedir());
const client = () => {
  const { url, token, context } = program.opts<{ url?: string; token?: string; context?: string }>();
  const target = resolveTarget({
    flags: { ...(url && { url }), ...(token && { token }) },
    env: process.env,
    context: pickContext(readConfig(config()), context),
    quickstartToken: () => quickstartToken(process.env, process.cwd()),
  });
  return createClient(target.url, target.token, target.caFingerprint);
};
const note = (text: string) => process.stderr.write(text);

program
  .command('apply')
  .description('validate a policy file and store it as a new revision')
  .argument('[file]', 'policy YAML file (- for stdin), instead of -f')
  .option('-f, --file <path>', 'policy YAML file (- for stdin)')
  .option(
    '--dry-run',
    'validate on the controller without applying; print the time to first page of each check',
  )
  .action((file: string | undefined, opts: { file?: string; dryRun?: boolean }) =>
    apply(client(), { ...opts, file: policyFile(file, opts.file) }, out),
  );

program
  .command('get')
  .description(`show ${RESOURCE_NAMES.join(', ')}`)
  .argument('<resource>', RESOURCE_NAMES.join(' | '))
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .option('--agent <name>', 'only this agent (get gaps)')
  .option('--incident <id>', 'only this incident (get notifications)')
  .option(
    '--status <status>',
    'only this status: sent, retrying, failed, pending, held, ... (get notifications)',
  )
  .action((resource: string, opts: { output: 'table' | 'json' } & GetFilter) =>
    get(client(), resource, opts.output, out, {
      ...(opts.agent !== undefined && { agent: opts.agent }),
      ...(opts.incident !== undefined && { incident: opts.incident }),
      ...(opts.status !== undefined && { status: opts.status }),
    }),
  );

program
  .command('describe')
  .description('describe one thing in full: an incident as its timeline')
  .argument('<kind>', DESCRIBE_KINDS.join(' | '))
  .argument('<id>', 'the incident id (portwarden get incidents)')
  .action((kind: string, id: string) => describeIncident(client(), kind, id, out));

program
  .command('token')
  .description('enrollment tokens for new agents')
  .command('create')
  .description('create a single-use enrollment token; prints the token on stdout')
  .option(
    '--label <key=value>',
    'a label the enrolled agent gets; repeatable',
    (v: string, all: string[]) => [...all, v],
    [],
  )
  .option('--ttl <duration>', 'how long the token stays usable (at most 7d)', '1h')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .action((opts: { label: string[]; ttl: string; output: 'table' | 'json' }) =>
    createToken(client(), opts, out, note),
  );

const apiToken = program.command('api-token').description('API tokens for people and automation (admin)');
apiToken
  .command('create')
  .description('create an API token; prints the token alone on stdout, shown only this once')
  .addOption(
    new Option('--role <role>', 'what it may do')
      .choices(['viewer', 'operator', 'admin'])
      .makeOptionMandatory(),
  )
  .requiredOption('--name <name>', 'who or what uses it; the audit names it so')
  .option('--ttl <duration>', 'how long it works, for example 30d (default: until revoked)')
  .action((opts: { role: string; name: string; ttl?: string }) => createApiToken(client(), opts, out, note));
apiToken
  .command('list')
  .description('list API tokens: names, roles, dates (never the tokens)')
  .action(() => listApiTokens(client(), out));
apiToken
  .command('revoke')
  .description('revoke an API token: it stops working at once')
  .argument('<id>', 'the id `api-token list` shows')
  .action((id: string) => revokeApiToken(client(), id, out));

const secret = program
  .command('secret')
  .description('sealed secrets that channels refer to as ${secret:NAME} (admin)');
secret
  .command('set')
  .description('create or replace a secret; the value is read from stdin (one trailing newline dropped)')
  .argument('<name>', 'letters, digits, _ . - (at most 64)')
  .action((name: string) => setSecret(client(), name, process.stdin, out));
secret
  .command('list')
  .description('list secrets: names and dates (never values)')
  .action(() => listSecrets(client(), out));
secret
  .command('delete')
  .description('delete a secret; channels that refer to it stop delivering')
  .argument('<name>', 'the name `secret list` shows')
  .action((name: string) => deleteSecret(client(), name, out));

const silence = program
  .command('silence')
  .description('silences: hold the notifications of matching incidents for a while (operator)');
silence
  .command('add')
  .usage('--match check=ID [--match agent=NAME ...] --for 2h|--until TIME --comment TEXT')
  .description('add a silence; prints its id alone on stdout')
  .option(
    '--match <matcher>',
    'name=value, name!=value, name=~regex or name!~regex; names: check (id), agent, alertgroup, agent labels; repeatable, all must match',
    (v: string, all: string[]) => [...all, v],
    [],
  )
  .option('--for <duration>', 'how long from now, for example 2h')
  .option('--until <time>', 'when it ends, ISO 8601 (2026-12-07T22:00 local, or with Z or an offset)')
  .requiredOption('--comment <text>', 'why: shown in silence list and the audit (required, as amtool)')
  .action((opts: AddSilenceOptions) => addSilence(client(), opts, out, note));
silence
  .command('list')
  .description('list silences: active, pending, and those that ended in the last day')
  .action(() => listSilences(client(), out));
silence
  .command('expire')
  .description('end a silence now; incidents it held that still fire are notified')
  .argument('<id>', 'the id `silence list` shows')
  .action((id: string) => expireSilence(client(), id, out));

program
  .command('login')
  .usage('--url URL --token-file FILE [--name NAME] [--ca-fingerprint SHA256]')
  .description(
    "check an API token against a controller and keep URL, token and its certificate's fingerprint in the config",
  )
  .requiredOption('--token-file <file>', 'file holding the API token (- for stdin)')
  .option('--name <name>', 'name of the context (default: the host and port)')
  .option(
    '--ca-fingerprint <sha256>',
    'the certificate to pin, instead of the one the controller presents now',
  )
  // --url is the program's own option (commander gives it to the program wherever it stands).
  .action((opts: { tokenFile: string; name?: string; caFingerprint?: string }) =>
    login({ ...opts, url: program.opts<{ url?: string }>().url }, config(), {
      out,
      note,
      stdin: () => text(process.stdin),
    }),
  );

program
  .command('agents')
  .description('manage agents')
  .command('revoke')
  .description("revoke an agent's certificates: the controller refuses it from now on and closes its stream")
  .argument('<name>', 'the agent')
  .action((name: string) => revokeAgent(client(), name, out));

program
  .command('ack')
  .description('acknowledge an open incident: its repeats and escalation stop, its alert group hears of it')
  .argument('<incident>', 'the incident id (portwarden get incidents)')
  .option('--comment <text>', 'why, or what is being done: shown with the acknowledgement')
  .action((incident: string, opts: { comment?: string }) => ack(client(), incident, opts, out));

program
  .command('disable')
  .description(
    "stop running a check without editing the policy (the Ports tab's tick box); recorded with who and when",
  )
  .argument('<check>', 'the check id or name')
  .option('--agent <name>', 'only on this agent (default: every agent)')
  .option('--comment <text>', 'why: shown with the override in get checks')
  .action((check: string, opts: { agent?: string; comment?: string }) => disable(client(), check, opts, out));

program
  .command('enable')
  .description(
    'run a disabled check again (lifts the run-time override; without --agent, every one of the check)',
  )
  .argument('<check>', 'the check id or name')
  .option('--agent <name>', 'only on this agent (default: every agent)')
  .action((check: string, opts: { agent?: string }) => enable(client(), check, opts, out));

program
  .command('test')
  .description('run a check on an agent now, outside its schedule, and print the result (exit 0 up, 1 down)')
  .argument('<check>', 'the check id or name')
  .requiredOption('--agent <name>', 'the agent that runs it')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (check: string, opts: { agent: string; output: 'table' | 'json' }) => {
    process.exitCode = await test(client(), check, opts, out);
  });

addProbeFlags(
  program
    .command('probe')
    // Nagios reads a usage error as UNKNOWN (3), never as WARNING (commander's default exit is 1).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.UNKNOWN))
    .description(
      'probe one TCP port now, as a Nagios plugin (drop-in for check_tcp): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    ),
).action(async (flags: ProbeFlags) => {
  const run = await runProbeCommand(flags);
  process.stdout.write(run.stdout);
  process.exitCode = run.exitCode;
});

program.parseAsync().catch((err: unknown) => {
  // Commander printed its own message (usage, help, version) already.
  if (!(err instanceof CommanderError)) process.stderr.write(describeError(err));
  process.exit(exitCodeOf(err));
});

/** This package's version: package.json is one directory up from both src/ and dist/. */
function cliVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}
