import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PortwardenError } from '@portwarden/common/errors';

/** The built controller of this repository (sim/dist/control/ → controller/dist/main.js). */
export const CONTROLLER_MAIN = fileURLToPath(new URL('../../../controller/dist/main.js', import.meta.url));

export interface ControllerProcessOptions {
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  maxStreamsPerIp?: number;
  logLevel?: string;
  /** Each line the controller logs (warnings and errors at the default level). */
  onProblem?: (line: string) => void;
}

/**
 * `node controller/dist/main.js --insecure` on ephemeral loopback ports, with an admin token file
 * of its own; started when its log says "controller started" (which names both addresses).
 */
export class ControllerProcess {
  grpcAddress = '';
  httpUrl = '';
  adminToken = '';
  private child: ChildProcess | undefined;
  private dir = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: ControllerProcessOptions) {}

  get pid(): number {
    return this.child!.pid!;
  }

  async start(timeoutMs = 60_000): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'pw-sim-controller-'));
    const tokenFile = join(this.dir, 'admin-token');
    const o = this.options;
    // Ports picked here rather than read from the start line: that line is at info, and at info a
    // controller logs every agent that connects, which costs it CPU the benchmark would count.
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    this.grpcAddress = `127.0.0.1:${grpcPort}`;
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
    const args = [
      CONTROLLER_MAIN,
      '--insecure',
      '--database-url',
      o.databaseUrl,
      '--grpc-listen',
      this.grpcAddress,
      '--http-listen',
      `127.0.0.1:${httpPort}`,
      '--admin-token-file',
      tokenFile,
      '--log-level',
      o.logLevel ?? 'warn',
      ...(o.redisUrl ? ['--redis-url', o.redisUrl, '--redis-prefix', o.redisPrefix ?? 'pw-sim'] : []),
      ...(o.maxStreamsPerIp ? ['--max-streams-per-ip', String(o.maxStreamsPerIp)] : []),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORTWARDEN_LOG_FORMAT: 'json' },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const output: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (output.length < 200) output.push(line);
      o.onProblem?.(line);
    });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new PortwardenError(
          'sim-controller',
          `the controller exited (${child.exitCode ?? child.signalCode}) before it was ready: ${output.join('\n').slice(-2000)}`,
          `run \`npm run build\` first; ${CONTROLLER_MAIN} must exist`,
        );
      if (performance.now() > deadline) throw new Error('the controller was not ready in time');
      const ready = await fetch(`${this.httpUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await sleep(100);
    }
    this.adminToken = (await readFile(tokenFile, 'utf8')).trim();
    return this;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; removes the token directory. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A port free on 127.0.0.1 right now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
