import net from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** A loopback TCP server on port 0 that remembers its sockets so a test can close everything. */
export interface TestServer {
  host: string;
  port: number;
  server: net.Server;
  /** Sockets still open on the server side. */
  sockets: Set<net.Socket>;
  /** Resolves once every server-side socket has closed (the server itself stays up). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function listen(
  onConnection: (socket: net.Socket) => void,
  options: { host?: string; backlog?: number; port?: number } = {},
): Promise<TestServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const wake of waiters.splice(0)) wake();
    });
    onConnection(socket);
    // Drain what the probe sends unless the handler reads it, so that the peer's FIN is seen.
    if (socket.listenerCount('data') === 0) socket.resume();
  });
  server.listen({ host, port: options.port ?? 0, backlog: options.backlog ?? 511 });
  // Rejects if the port is taken.
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const drained = () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    waiters = [];
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { host, port, server, sockets, drained, close };
}

/**
 * The same handler on one port of both 127.0.0.1 and ::1, for probes of every address of a name.
 * The port comes from 127.0.0.1; if ::1 has it taken, another is tried.
 */
export async function listenBoth(onConnection: (socket: net.Socket) => void): Promise<TestServer[]> {
  for (let tries = 0; ; tries++) {
    const v4 = await listen(onConnection);
    try {
      return [v4, await listen(onConnection, { host: '::1', port: v4.port })];
    } catch (err) {
      await v4.close();
      if (tries >= 5) throw err;
    }
  }
}

/** A port on which nothing listens: bound, read, released. */
export async function closedPort(): Promise<number> {
  const { port, close } = await listen(() => {});
  await close();
  return port;
}

/**
 * A listener whose accept queue is full, so that a new SYN gets no answer: the only loopback way
 * to make a connect time out. Node always accepts, so the listener lives in a worker thread that
 * blocks right after listening; the kernel queues `backlog + 1` connections and drops the rest.
 */
export async function blockedListener(): Promise<{ port: number; close(): Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(BLOCKED_WORKER, { eval: true, workerData: gate });
  const [port] = (await once(worker, 'message')) as [number];
  const fillers: net.Socket[] = [];
  // Fill the queue: connect until one attempt hangs; Linux queues two with backlog 1.
  for (let i = 0; i < 16; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((r) => setTimeout(r, 300, false).unref()),
    ]);
    if (!connected) break;
  }
  const close = async () => {
    for (const socket of fillers) socket.destroy();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await once(worker, 'exit');
  };
  return { port, close };
}

const BLOCKED_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(workerData, 0, 0);
  process.exit(0);
});
`;
