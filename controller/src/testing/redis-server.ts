import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { until } from '@portwarden/common/testing';

/**
 * A redis-server of the test's own on a free loopback port, with nothing saved to disk, that the
 * test can stop (by its pid) and start again on the same port: Redis going away and coming back.
 */
export class TestRedisServer {
  private child: ChildProcess | undefined;
  port = 0;

  constructor(private readonly extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await closedPort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn('redis-server', [...args, ...this.extraArgs], { stdio: 'ignore' });
    await until(`redis-server on port ${this.port}`, () => this.answers(), 10_000);
    return this;
  }

  /** Stops the server (SIGTERM to its pid) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Kills the server (SIGKILL to its pid): it loses everything it held, nothing is flushed. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** A command on a connection of its own, for the test to set the server up. */
  async command(...args: string[]): Promise<unknown> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => {}); // the command's own rejection says it
    try {
      await redis.connect();
      return await redis.call(args[0]!, ...args.slice(1));
    } finally {
      redis.disconnect();
    }
  }

  private async answers(): Promise<boolean> {
    return this.command('PING').then(
      () => true,
      () => false,
    );
  }
}

/** A loopback port nothing listens on right now. */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A started server with settings a test must never make on the shared Redis
 * (`--maxmemory-policy …`, a renamed CONFIG, ACL users).
 */
export async function startRedisServer(...args: string[]): Promise<TestRedisServer> {
  return new TestRedisServer(args).start();
}
