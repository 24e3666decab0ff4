/** A long-running tool the bench starts beside the prober (blackbox_exporter, zabbix_agentd). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { childPids } from '../proc.js';

export interface Service {
  pid: number;
  port: number;
  /** The service's processes: its main process and the children it forked. */
  pids(): number[];
  stop(): Promise<void>;
}

export interface ServiceOptions {
  name: string;
  bin: string;
  args: string[];
  port: number;
  /** Resolves true once the service answers. */
  ready(): Promise<boolean>;
  /** @default 15_000 */
  readyTimeoutMs?: number;
}

const TAIL_CHARS = 4000;

export async function startService(options: ServiceOptions): Promise<Service> {
  const child = spawn(options.bin, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited (${child.exitCode}):\n${tail}`);
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${options.name} did not answer within ${options.readyTimeoutMs ?? 15_000} ms:\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid!;
  return { pid, port: options.port, pids: () => [pid, ...childPids(pid)], stop };
}
