import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port nothing listens on right now. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestRedisServer {
  url: string;
  /** Stops this server, by its PID. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free loopback port, without persistence, ready to
 * answer: for settings a test must never make on the shared Redis (`--maxmemory-policy …`).
 */
export async function startRedisServer(...args: string[]): Promise<TestRedisServer> {
  const port = await closedPort();
  const settings = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...settings, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  };
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes('Ready to accept connections')) break;
  }
  if (!out.includes('Ready to accept connections')) {
    await stop();
    throw new Error(`redis-server did not start:\n${out}`);
  }
  child.stdout!.resume();
  return { url: `redis://127.0.0.1:${port}`, stop };
}
