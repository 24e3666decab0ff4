import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@portwarden/common/testing';

/** A port free on loopback right now (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Debian's HAProxy in TCP mode in front of the controller replicas, in the foreground (`-db`), as
 * an L4 load balancer runs in production: round robin, a TCP health check every 500 ms, and a
 * connection to a dead server sent to another (redispatch).
 */
export class Haproxy {
  address = '';
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> | undefined;
  private dir = '';

  constructor(private readonly servers: string[]) {}

  /** The configuration it runs, for the frontend port given. */
  static config(port: number, servers: string[]): string {
    return `global
  maxconn 2000

defaults
  mode tcp
  timeout connect 1s
  # gRPC streams live long; both sides ping every 10-15 s, so an hour is never reached.
  timeout client 1h
  timeout server 1h
  retries 3
  option redispatch

frontend agents
  bind 127.0.0.1:${port}
  default_backend controllers

backend controllers
  balance roundrobin
${servers.map((s, i) => `  server r${i} ${s} check inter 500ms fall 1 rise 1`).join('\n')}
`;
  }

  async start(): Promise<this> {
    const port = await freePort();
    this.dir = await mkdtemp(join(tmpdir(), 'pw-haproxy-'));
    const file = join(this.dir, 'haproxy.cfg');
    await writeFile(file, Haproxy.config(port, this.servers));
    this.child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.PORTWARDEN_TEST_LOG) process.stderr.write(chunk);
    });
    this.exited = once(this.child, 'exit');
    this.address = `127.0.0.1:${port}`;
    await until('haproxy to listen', () => accepts(port), 10_000);
    return this;
  }

  async stop(): Promise<void> {
    if (this.child?.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
