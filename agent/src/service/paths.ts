import path from 'node:path';
import { ConfigError } from '@portwarden/common/errors';

/** Windows paths of the service, built with path.win32 whatever the platform the code runs on. */

/** The WinSW wrapper and its config, beside portwarden-agent.exe: WinSW finds its XML by its own name. */
export const WRAPPER_EXE = 'PortwardenAgentService.exe';
export const WRAPPER_XML = 'PortwardenAgentService.xml';
export const WRAPPER_CONFIG = 'PortwardenAgentService.exe.config';

export interface ServicePaths {
  stateDir: string;
  envFile: string;
  logDir: string;
}

/** An environment variable by name in any case (a copied process.env no longer ignores case). */
export function windowsEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : env[key] || undefined;
}

/** `%ProgramData%\Portwarden`; `C:\ProgramData\Portwarden` when ProgramData is unset. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const programData = windowsEnv(env, 'ProgramData');
  const base = programData && absoluteWindowsPath(programData) ? programData : 'C:\\ProgramData';
  return path.win32.join(base, 'Portwarden');
}

export function servicePaths(stateDir: string): ServicePaths {
  const dir = windowsDir(stateDir, '--state-dir');
  return { stateDir: dir, envFile: path.win32.join(dir, 'agent.env'), logDir: path.win32.join(dir, 'logs') };
}

/**
 * A directory or file the service config names, normalized (`/` to `\`, no trailing `\` except
 * at a drive root). It must be a full drive path: the service does not start in the directory the
 * command ran in. Refused: `"` (not allowed in Windows names, and it would end a quoted argument)
 * and `%` (WinSW expands `%VAR%` in its config, so the path would change under the agent).
 */
export function windowsDir(text: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (!absoluteWindowsPath(text) || /["%\u0000-\u001f]/.test(text)) {
    throw new ConfigError(
      `${what} "${text}" is not a full Windows path`,
      'write a drive path without quotes or %, such as C:\\ProgramData\\Portwarden',
    );
  }
  const normalized = path.win32.normalize(text);
  return normalized.length > 3 ? normalized.replace(/\\+$/, '') : normalized;
}

function absoluteWindowsPath(text: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(text);
}
