import { ConfigError } from '@portwarden/common/errors';
import { SERVICE_NAME, RESTART_DELAY_MS } from './sc.js';
import type { ServicePaths } from './paths.js';

/**
 * The WinSW 1.17 config (from node-windows 0.1.14; see docs). WinSW is the process the SCM talks
 * to; it starts the agent, writes its stdout and stderr to rolling files under `<state>\logs`, and
 * on stop sends the agent Ctrl+C (the agent's SIGINT handler drains and exits 0), killing it only
 * after `stoptimeout`.
 */

/** A service account as WinSW 1.x wants it: `<domain>` and `<user>` apart. */
export interface ServiceAccount {
  domain: string;
  user: string;
}

export interface WinswOptions {
  /** portwarden-agent.exe, absolute. */
  agentExe: string;
  paths: ServicePaths;
  /** Absent: LocalSystem. */
  account?: ServiceAccount;
}

/** The agent exits within about 3 s of Ctrl+C (a 2 s drain); 15 s leaves room, within the SCM's 20 s. */
export const STOP_TIMEOUT_S = 15;

/**
 * WinSW 1.17 is a .NET 2 program: this file beside it lets it run on a Windows that has only
 * .NET 4. Written by `service install` and packaged in the MSI.
 */
export const WINSW_EXE_CONFIG = `<configuration>
  <runtime>
    <generatePublisherEvidence enabled="false" />
  </runtime>
  <startup>
    <supportedRuntime version="v2.0.50727" />
    <supportedRuntime version="v4.0" />
  </startup>
</configuration>
`;

/**
 * The service's WinSW config, for `service install` and for the MSI. WinSW expands `%VAR%` in it
 * (`%BASE%` is the wrapper's own folder), which the MSI uses; install writes full paths.
 */
export function renderWinswXml(options: WinswOptions): string {
  const { paths } = options;
  const args = ['--environment-file', quoted(paths.envFile), '--state-dir', quoted(paths.stateDir)].join(' ');
  const onFailure = `    <onfailure action="restart" delay="${RESTART_DELAY_MS / 1000} sec"/>\n`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!-- Written by portwarden-agent service install and by the MSI (agent/src/service/winsw.ts). -->\n' +
    '<service>\n' +
    `    <id>${SERVICE_NAME}</id>\n` +
    '    <name>Portwarden Agent</name>\n' +
    '    <description>Runs the Portwarden port and firewall checks on this server and streams the results to the Portwarden controller.</description>\n' +
    `    <executable>${xml(options.agentExe)}</executable>\n` +
    `    <arguments>${xml(args)}</arguments>\n` +
    '    <startmode>Automatic</startmode>\n' +
    `    <logpath>${xml(paths.logDir)}</logpath>\n` +
    '    <log mode="roll-by-size">\n' +
    '        <sizeThreshold>10240</sizeThreshold>\n' +
    '        <keepFiles>8</keepFiles>\n' +
    '    </log>\n' +
    `    <stoptimeout>${STOP_TIMEOUT_S} sec</stoptimeout>\n` +
    '    <stopparentprocessfirst>true</stopparentprocessfirst>\n' +
    onFailure.repeat(3) +
    '    <resetfailure>1 day</resetfailure>\n' +
    (options.account ? serviceAccount(options.account) : '') +
    '</service>\n'
  );
}

/**
 * No `<password>`: WinSW would keep it in this file, which any user may read. `service install`
 * gives it to the SCM with `sc.exe config obj= password=`. `allowservicelogon` has WinSW grant
 * the account the "Log on as a service" right, which sc.exe does not.
 */
function serviceAccount(account: ServiceAccount): string {
  return (
    '    <serviceaccount>\n' +
    `        <domain>${xml(account.domain)}</domain>\n` +
    `        <user>${xml(account.user)}</user>\n` +
    '        <allowservicelogon>true</allowservicelogon>\n' +
    '    </serviceaccount>\n'
  );
}

/**
 * A path as one argument in WinSW's `<arguments>` line, which it hands to the agent as a command
 * line: always in quotes; a trailing backslash (a drive root) doubled so it does not escape the
 * closing quote. Paths never hold `"` (servicePaths refuses it).
 */
function quoted(file: string): string {
  return `"${file.replace(/(\\+)$/, '$1$1')}"`;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** `DOMAIN\user` or `.\user` (a local account); a bare `user` is local. LocalSystem is no account. */
export function parseAccount(name: string): ServiceAccount | undefined {
  if (/^(LocalSystem|NT AUTHORITY\\SYSTEM)$/i.test(name)) return undefined;
  const parts = name.split('\\');
  // WinSW 1.x joins domain and user with a backslash: it knows no user@domain.
  const valid = parts.length <= 2 && parts.every((p) => p !== '' && !/[@"%/:*?<>|]/.test(p));
  if (!valid) {
    throw new ConfigError(
      `invalid service account "${name}"`,
      'write DOMAIN\\user, .\\user for a local account, or NT AUTHORITY\\NetworkService',
    );
  }
  return parts.length === 2 ? { domain: parts[0]!, user: parts[1]! } : { domain: '.', user: parts[0]! };
}

/** The account as sc.exe and icacls name it. */
export function accountName(account: ServiceAccount): string {
  return `${account.domain}\\${account.user}`;
}
