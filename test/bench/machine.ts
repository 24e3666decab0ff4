/** What the figures were measured on: the machine, Node, and each classic tool found (or how to get it). */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BLACKBOX_CANDIDATES, BLACKBOX_INSTALL } from './tools/blackbox.js';
import { CHECK_TCP_CANDIDATES, CHECK_TCP_INSTALL } from './tools/check-tcp.js';
import { ZABBIX_CANDIDATES, ZABBIX_INSTALL } from './tools/zabbix.js';

export interface ToolInfo {
  name: string;
  /** Absolute path, when installed. */
  bin?: string;
  version?: string;
  install: string;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  tools: { checkTcp: ToolInfo; blackbox: ToolInfo; zabbix: ToolInfo };
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An absolute candidate as it is; a bare name looked up in PATH. */
function findBinary(candidates: readonly string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const candidate of candidates) {
    const found = path.isAbsolute(candidate)
      ? [candidate].filter(executable)
      : dirs.map((dir) => path.join(dir, candidate)).filter(executable);
    if (found[0]) return found[0];
  }
  return undefined;
}

function firstLine(bin: string, args: string[]): string | undefined {
  const run = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  return `${run.stdout ?? ''}\n${run.stderr ?? ''}`
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
}

function tool(name: string, candidates: readonly string[], versionArgs: string[], install: string): ToolInfo {
  const bin = findBinary(candidates);
  const version = bin && firstLine(bin, versionArgs);
  return { name, install, ...(bin && { bin }), ...(version && { version }) };
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export function describeMachine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    kernel: os.release(),
    node: process.version,
    tools: {
      checkTcp: tool('check_tcp', CHECK_TCP_CANDIDATES, ['-V'], CHECK_TCP_INSTALL),
      blackbox: tool('blackbox_exporter', BLACKBOX_CANDIDATES, ['--version'], BLACKBOX_INSTALL),
      zabbix: tool('zabbix_agentd', ZABBIX_CANDIDATES, ['-V'], ZABBIX_INSTALL),
    },
  };
}
