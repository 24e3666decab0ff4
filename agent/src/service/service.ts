import path from 'node:path';
import { ConfigError } from '@portwarden/common/errors';
import { parseEnrollmentToken } from '@portwarden/common/enrollment-token';
import { envLine, mergeEnvText, parseEnvText } from '../env-file.js';
import { agentName, controllers, labels } from '../flags.js';
import { excerpt, type CommandResult } from '../system/runner.js';
import type { SystemDeps } from '../system/system.js';
import type { WindowsTool } from '../system/tools.js';
import { EXIT, NotInstalledError, ServiceError } from './errors.js';
import type { ServiceFiles } from './files.js';
import {
  defaultStateDir,
  servicePaths,
  windowsDir,
  WRAPPER_CONFIG,
  WRAPPER_EXE,
  WRAPPER_XML,
  type ServicePaths,
} from './paths.js';
import {
  icaclsLockArgs,
  parseServiceAccount,
  parseServiceQuery,
  SC,
  SC_ERRORS,
  scAccountCommand,
  scErrorCode,
  scSummary,
  SERVICE_NAME,
  serviceSettingsCommands,
  type ServiceQuery,
  type ServiceStateName,
} from './sc.js';
import { parseAccount, renderWinswXml, WINSW_EXE_CONFIG, type ServiceAccount } from './winsw.js';

/** `portwarden-agent service install|uninstall|start|stop|status|configure`, Windows only. */

export interface InstallOptions {
  /** @default `%ProgramData%\Portwarden` */
  stateDir?: string;
  /** `DOMAIN\user`, `.\user`. @default LocalSystem */
  account?: string;
  /** A file holding the account's password (one line). */
  passwordFile?: string;
  /** winsw.exe. @default the SEA asset `winsw.exe` of the packaged exe */
  wrapper?: string;
  /** portwarden-agent.exe. @default the packaged exe itself (process.execPath) */
  agentExe?: string;
}

export interface ConfigureOptions {
  controller?: string;
  enrollToken?: string;
  name?: string;
  labels?: string;
  /** @default `%ProgramData%\Portwarden` */
  stateDir?: string;
}

export type ServiceCommand =
  | { command: 'install'; options: InstallOptions }
  | { command: 'uninstall'; options: Pick<InstallOptions, 'agentExe'> }
  | { command: 'start' | 'stop' | 'status' }
  | { command: 'configure'; options: ConfigureOptions };

export interface ServiceDeps {
  system: SystemDeps;
  files: ServiceFiles;
  /** For `%ProgramData%`. */
  env: NodeJS.ProcessEnv;
  /** Prints to stdout. */
  write(text: string): void;
  /** portwarden-agent.exe when this is the packaged exe (a Node SEA): process.execPath. */
  packagedExe?: string;
  /** The SEA asset `winsw.exe`, when packaged. */
  packagedWrapper?(): Uint8Array | undefined;
  /** How start and stop wait for the state: poll `sc.exe query` every `everyMs` up to `timeoutMs`. */
  wait: { now(): number; sleep(ms: number): Promise<void>; timeoutMs: number; everyMs: number };
}

/**
 * The first line of a new agent.env. The file always exists once install or configure ran, so
 * that the service's first start finds it (a missing settings file stops the agent, exit 2).
 */
export const ENV_FILE_HEADER =
  '# Portwarden agent settings (KEY=VALUE), read by the service with --environment-file. Set them with portwarden-agent service configure.\n';

const SC_TIMEOUT_MS = 30_000;
/** WinSW install, icacls on a state directory that may hold a large spool. */
const SLOW_TIMEOUT_MS = 120_000;

/** Runs one service command; returns its exit status. ConfigError (usage, exit 2) is thrown. */
export async function runService(command: ServiceCommand, deps: ServiceDeps): Promise<number> {
  if (deps.system.platform !== 'win32') {
    throw new ConfigError(
      'portwarden-agent service is for Windows',
      'on Linux install the .deb package, whose systemd unit portwarden-agent.service runs the agent',
    );
  }
  switch (command.command) {
    case 'install':
      return install(command.options, deps);
    case 'uninstall':
      return uninstall(command.options, deps);
    case 'start':
      return start(deps);
    case 'stop':
      return stop(deps);
    case 'status':
      return status(deps);
    case 'configure':
      return configure(command.options, deps);
  }
}

async function install(options: InstallOptions, deps: ServiceDeps): Promise<number> {
  const agentExe = options.agentExe ? windowsDir(options.agentExe, '--agent-exe') : deps.packagedExe;
  if (!agentExe)
    throw new ConfigError(
      'service install needs portwarden-agent.exe',
      'run the packaged portwarden-agent.exe, or pass --agent-exe and --wrapper',
    );
  if (!(await deps.files.exists(agentExe)))
    throw new ConfigError(
      `--agent-exe ${agentExe} does not exist`,
      'pass the full path of portwarden-agent.exe',
    );
  const wrapper = options.wrapper ? await readWrapper(options.wrapper, deps) : deps.packagedWrapper?.();
  if (!wrapper)
    throw new ConfigError(
      'no WinSW wrapper to install',
      'pass --wrapper FILE (winsw.exe from node-windows 0.1.14), or run the packaged portwarden-agent.exe',
    );
  const account = options.account ? parseAccount(options.account) : undefined;
  const password = options.passwordFile ? await readPassword(options.passwordFile, deps) : undefined;
  if (password !== undefined && !account)
    throw new ConfigError(
      '--password-file without --account',
      'add --account DOMAIN\\user, or drop --password-file',
    );
  const paths = servicePaths(options.stateDir ?? defaultStateDir(deps.env));
  await prepareStateDir(paths, account, deps);
  if (!(await deps.files.exists(paths.envFile))) await deps.files.write(paths.envFile, ENV_FILE_HEADER);
  const dir = path.win32.dirname(agentExe);
  const wrapperExe = path.win32.join(dir, WRAPPER_EXE);
  await deps.files.write(
    path.win32.join(dir, WRAPPER_XML),
    renderWinswXml({ agentExe, paths, ...(account && { account }) }),
  );
  await writeIfChanged(wrapperExe, wrapper, deps);
  await deps.files.write(path.win32.join(dir, WRAPPER_CONFIG), WINSW_EXE_CONFIG);
  const before = await query(deps);
  if (!before.installed) await runChecked(wrapperExe, ['install'], `${WRAPPER_EXE} install`, deps);
  await sc(scAccountCommand(account && scAccountName(account), password), deps, {
    ...(password !== undefined && { secrets: [password] }),
  });
  await applySettings(deps);
  if (!before.installed) deps.write(`${SERVICE_NAME} installed; start it: portwarden-agent service start\n`);
  else
    deps.write(
      `${SERVICE_NAME} was installed: reconfigured${before.state === 'RUNNING' ? '; restart it to apply: portwarden-agent service stop, then start' : ''}\n`,
    );
  return EXIT.ok;
}

async function uninstall(options: Pick<InstallOptions, 'agentExe'>, deps: ServiceDeps): Promise<number> {
  const agentExe = options.agentExe ? windowsDir(options.agentExe, '--agent-exe') : deps.packagedExe;
  const wrapperExe = agentExe && path.win32.join(path.win32.dirname(agentExe), WRAPPER_EXE);
  const before = await query(deps);
  if (before.installed) {
    if (before.state !== 'STOPPED') await stopAndWait(deps);
    if (wrapperExe && (await deps.files.exists(wrapperExe)))
      await runChecked(wrapperExe, ['uninstall'], `${WRAPPER_EXE} uninstall`, deps);
    else await sc(SC.delete, deps, { allow: [SC_ERRORS.markedForDelete] });
  }
  if (wrapperExe) {
    await deps.files.remove(wrapperExe);
    await deps.files.remove(path.win32.join(path.win32.dirname(wrapperExe), WRAPPER_XML));
    await deps.files.remove(path.win32.join(path.win32.dirname(wrapperExe), WRAPPER_CONFIG));
  }
  deps.write(
    before.installed
      ? `${SERVICE_NAME} uninstalled; its state directory is kept\n`
      : `${SERVICE_NAME} was not installed\n`,
  );
  return EXIT.ok;
}

async function start(deps: ServiceDeps): Promise<number> {
  await sc(SC.start, deps, { allow: [SC_ERRORS.alreadyRunning] });
  await waitFor('RUNNING', deps);
  deps.write(`${SERVICE_NAME}: running\n`);
  return EXIT.ok;
}

async function stop(deps: ServiceDeps): Promise<number> {
  await stopAndWait(deps);
  deps.write(`${SERVICE_NAME}: stopped\n`);
  return EXIT.ok;
}

async function stopAndWait(deps: ServiceDeps): Promise<void> {
  await sc(SC.stop, deps, { allow: [SC_ERRORS.notStarted] });
  await waitFor('STOPPED', deps);
}

async function status(deps: ServiceDeps): Promise<number> {
  const state = await query(deps);
  deps.write(`${SERVICE_NAME}: ${state.installed ? stateWords(state.state) : 'not installed'}\n`);
  return statusExitCode(state);
}

/** 0 running, 3 installed but not running (stopped, pending, paused), 4 not installed. */
export function statusExitCode(state: ServiceQuery): number {
  if (!state.installed) return EXIT.notInstalled;
  return state.state === 'RUNNING' ? EXIT.ok : EXIT.notRunning;
}

function stateWords(state: ServiceStateName): string {
  return state.toLowerCase().replace('_', ' ');
}

/**
 * Writes the settings into `<state>\agent.env` and gets the machine ready for the service: the
 * state and log directories, the ACL (locked before the token is written, so the file is never
 * readable by others), and the SCM settings when the service exists. Safe to run again: the MSI
 * runs it on every install and upgrade.
 */
async function configure(options: ConfigureOptions, deps: ServiceDeps): Promise<number> {
  const updates = envUpdates(options);
  const paths = servicePaths(options.stateDir ?? defaultStateDir(deps.env));
  const service = await query(deps);
  const account = service.installed ? await installedAccount(deps) : undefined;
  await prepareStateDir(paths, account, deps);
  const old = await deps.files.readText(paths.envFile);
  const text = mergeEnvText(old ?? ENV_FILE_HEADER, updates);
  if (text !== old) await deps.files.write(paths.envFile, text);
  if (service.installed) await applySettings(deps);
  deps.write(`${text === old ? 'unchanged' : 'wrote'} ${paths.envFile}\n`);
  if (!parseEnvText(text).PORTWARDEN_CONTROLLER)
    deps.write(`note: no controller yet; the service cannot start until configure --controller HOST:PORT\n`);
  else if (text !== old && service.installed && service.state === 'RUNNING')
    deps.write('restart the service to apply: portwarden-agent service stop, then start\n');
  return EXIT.ok;
}

/**
 * The env file keys `configure` sets, checked with the agent's own parsers. Empty values (an MSI
 * property left unset becomes `--controller=`) stay empty: the merge keeps what the file says.
 */
export function envUpdates(options: ConfigureOptions): Record<string, string | undefined> {
  const controller = options.controller?.trim();
  if (controller) controllers([controller]);
  const list = options.labels?.trim();
  if (list) labels([list]);
  const token = options.enrollToken?.trim();
  if (token) parseEnrollmentToken(token);
  const name = options.name?.trim();
  if (name) agentName(name);
  const updates = {
    PORTWARDEN_CONTROLLER: controller,
    PORTWARDEN_ENROLL_TOKEN: token,
    PORTWARDEN_AGENT_NAME: name,
    PORTWARDEN_AGENT_LABELS: list,
  };
  // A value that cannot be written (a line break in a name) is refused before anything changes.
  for (const [key, value] of Object.entries(updates)) if (value) envLine(key, value);
  return updates;
}

/** Creates the state and log directories and locks the ACL: SYSTEM, Administrators, the service account. */
async function prepareStateDir(paths: ServicePaths, account: ServiceAccount | undefined, deps: ServiceDeps) {
  await deps.files.mkdir(paths.stateDir);
  await deps.files.mkdir(paths.logDir);
  const icacls = await tool('icacls', deps);
  await runChecked(
    icacls,
    icaclsLockArgs(paths.stateDir, account && icaclsAccountName(account)),
    'icacls',
    deps,
  );
}

/** The installed service's account, so that configure keeps its access to the state directory. */
async function installedAccount(deps: ServiceDeps): Promise<ServiceAccount | undefined> {
  const result = await sc(SC.config, deps);
  const name = parseServiceAccount(result.stdout.toString('latin1'));
  return name ? parseAccount(name) : undefined;
}

async function applySettings(deps: ServiceDeps): Promise<void> {
  for (const args of serviceSettingsCommands()) await sc(args, deps);
}

/** sc.exe wants a local account as `.\user`. */
function scAccountName(account: ServiceAccount): string {
  return `${account.domain}\\${account.user}`;
}

/** icacls resolves names with LookupAccountName, which knows no `.\`: a local account is its bare name. */
function icaclsAccountName(account: ServiceAccount): string {
  return account.domain === '.' ? account.user : `${account.domain}\\${account.user}`;
}

async function query(deps: ServiceDeps): Promise<ServiceQuery> {
  const result = await sc(SC.query, deps, { allow: [SC_ERRORS.notInstalled] });
  return parseServiceQuery(result);
}

/** Polls `sc.exe query` until the service is in `want`; a start that ends stopped fails at once. */
async function waitFor(want: 'RUNNING' | 'STOPPED', deps: ServiceDeps): Promise<void> {
  const { now, sleep, timeoutMs, everyMs } = deps.wait;
  const deadline = now() + timeoutMs;
  for (;;) {
    const state = await query(deps);
    if (!state.installed) throw new NotInstalledError();
    if (state.state === want) return;
    if (want === 'RUNNING' && state.state === 'STOPPED')
      throw new ServiceError(
        `${SERVICE_NAME} stopped right after it started`,
        'see PortwardenAgentService.err.log and .out.log in the logs folder of the state directory',
      );
    if (now() >= deadline)
      throw new ServiceError(
        `${SERVICE_NAME} is ${stateWords(state.state)}, not ${stateWords(want)}, after ${timeoutMs / 1000} s`,
        'check again with portwarden-agent service status',
      );
    await sleep(everyMs);
  }
}

interface ScCall {
  /** Win32 errors that count as success (1056 already running, 1062 not started, ...). */
  allow?: number[];
  secrets?: string[];
}

/** Runs sc.exe; error 1060 is NotInstalledError, other errors not allowed a ServiceError. */
async function sc(args: readonly string[], deps: ServiceDeps, call: ScCall = {}): Promise<CommandResult> {
  const file = await tool('sc', deps);
  const result = await deps.system.run({
    file,
    args,
    timeoutMs: SC_TIMEOUT_MS,
    ...(call.secrets && { secrets: call.secrets }),
  });
  started(result, `sc.exe ${args[0]}`);
  const code = scErrorCode(result);
  if (code === 0 || call.allow?.includes(code)) return result;
  if (code === SC_ERRORS.notInstalled) throw new NotInstalledError();
  throw new ServiceError(
    `sc.exe ${args[0]} ${SERVICE_NAME} failed with error ${code}: ${scSummary(result.stdout.toString('latin1'))}`,
    code === SC_ERRORS.accessDenied
      ? 'run it again as Administrator'
      : 'see the error above; sc.exe shows it too',
  );
}

async function runChecked(
  file: string,
  args: readonly string[],
  what: string,
  deps: ServiceDeps,
): Promise<void> {
  const result = await deps.system.run({ file, args, timeoutMs: SLOW_TIMEOUT_MS });
  started(result, what);
  if (result.exitCode !== 0) {
    const output = excerpt(Buffer.concat([result.stdout, result.stderr])) || '(no output)';
    throw new ServiceError(
      `${what} exited with ${result.exitCode}: ${output}`,
      'run it again as Administrator',
    );
  }
}

function started(result: CommandResult, what: string): void {
  if (result.spawnError)
    throw new ServiceError(`cannot run ${what}: ${result.spawnError}`, 'run it again as Administrator');
  if (result.timedOut)
    throw new ServiceError(`${what} did not finish in time and was stopped`, 'run it again');
}

async function tool(name: WindowsTool, deps: ServiceDeps): Promise<string> {
  const file = await deps.system.locate(name);
  if (!file)
    throw new ServiceError(
      `${name}.exe not found in %SystemRoot%\\System32`,
      'check that SystemRoot names the Windows folder',
    );
  return file;
}

async function readWrapper(file: string, deps: ServiceDeps): Promise<Uint8Array> {
  const bytes = await deps.files.readBytes(file);
  if (!bytes)
    throw new ConfigError(`--wrapper ${file} does not exist`, 'pass winsw.exe from node-windows 0.1.14');
  return bytes;
}

async function readPassword(file: string, deps: ServiceDeps): Promise<string> {
  const password = (await deps.files.readText(file))?.replace(/\r?\n$/, '');
  if (!password)
    throw new ConfigError(
      `--password-file ${file} is missing or empty`,
      'write the password on its first line',
    );
  return password;
}

/**
 * The wrapper is rewritten only when it changed: a running service holds the file open, and an
 * unchanged reinstall (the usual case) must not fail for it.
 */
async function writeIfChanged(file: string, bytes: Uint8Array, deps: ServiceDeps): Promise<void> {
  const old = await deps.files.readBytes(file);
  if (old && Buffer.from(old).equals(Buffer.from(bytes))) return;
  try {
    await deps.files.write(file, bytes);
  } catch (err) {
    throw new ServiceError(
      `cannot replace ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'stop the service first: portwarden-agent service stop',
    );
  }
}
