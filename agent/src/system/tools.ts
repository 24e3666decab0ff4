import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where the system's own tools live. The agent runs them by absolute path, never through a PATH
 * search: on Linux from the system directories only, on Windows from `%SystemRoot%\System32`, so
 * that a writable directory early in PATH cannot hijack a firewall or reboot command.
 */
export type Locate = (tool: ToolName) => Promise<string | undefined>;

export type ToolName = LinuxTool | WindowsTool;

export type LinuxTool =
  | 'nft'
  | 'iptables'
  | 'iptables-nft'
  | 'iptables-legacy'
  | 'iptables-restore'
  | 'iptables-nft-restore'
  | 'iptables-legacy-restore'
  | 'ip6tables-restore'
  | 'ufw'
  | 'firewall-cmd'
  | 'systemctl'
  | 'ip';

export type WindowsTool = 'powershell' | 'netsh' | 'sc' | 'reg' | 'shutdown' | 'icacls' | 'taskkill';

/** Searched in this order on Linux (and other POSIX systems). */
export const POSIX_TOOL_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Relative to `%SystemRoot%`. */
export const WINDOWS_TOOLS: Record<WindowsTool, string> = {
  powershell: 'System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  netsh: 'System32\\netsh.exe',
  sc: 'System32\\sc.exe',
  reg: 'System32\\reg.exe',
  shutdown: 'System32\\shutdown.exe',
  icacls: 'System32\\icacls.exe',
  taskkill: 'System32\\taskkill.exe',
};

/**
 * `%SystemRoot%` from an environment. Windows names variables case-insensitively, but a copied
 * `process.env` (`{ ...process.env }`) is a plain object, so the name is matched in any case. A
 * value that is not a plain drive path (unset, relative, a share) gives the default `C:\Windows`.
 */
export function systemRoot(env: NodeJS.ProcessEnv = process.env): string {
  const key = Object.keys(env).find((k) => k.toLowerCase() === 'systemroot');
  const value = key === undefined ? undefined : env[key];
  return value && /^[A-Za-z]:\\[^%"]*$/.test(value) ? value : 'C:\\Windows';
}

export interface LocatorOptions {
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** For `SystemRoot` on Windows. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default POSIX_TOOL_DIRS */
  dirs?: readonly string[];
}

/** Finds tools that exist and are executable; remembers what it found. */
export function createLocator(options: LocatorOptions = {}): Locate {
  const platform = options.platform ?? process.platform;
  const found = new Map<ToolName, Promise<string | undefined>>();
  const candidates = (tool: ToolName): string[] => {
    if (platform === 'win32') {
      const relative = WINDOWS_TOOLS[tool as WindowsTool];
      return relative ? [path.win32.join(systemRoot(options.env), relative)] : [];
    }
    return (options.dirs ?? POSIX_TOOL_DIRS).map((dir) => path.posix.join(dir, tool));
  };
  return (tool) => {
    let result = found.get(tool);
    if (!result) {
      result = firstExecutable(candidates(tool));
      found.set(tool, result);
    }
    return result;
  };
}

/** Windows tool paths as they are on a default installation, for callers that cannot look. */
export function windowsToolPath(tool: WindowsTool, systemRoot = 'C:\\Windows'): string {
  return path.win32.join(systemRoot, WINDOWS_TOOLS[tool]);
}

async function firstExecutable(paths: string[]): Promise<string | undefined> {
  for (const file of paths) {
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next
    }
  }
  return undefined;
}
