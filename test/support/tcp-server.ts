import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/**
 * A loopback TCP service that can be stopped and started again on the same port, like a service
 * that goes down and comes back. It greets and answers lines as the test tells it.
 */
export class FlakyService {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly onConnection: (socket: Socket) => void = () => {}) {}

  async start(): Promise<this> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      this.onConnection(socket);
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection; stopping a stopped service does nothing. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Greets `220 ready` and answers a CR/LF-terminated `HELO ...` line with `250 ok`. */
export function smtpLike(socket: Socket): void {
  socket.write('220 ready\r\n');
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let at: number;
    while ((at = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      socket.write(line.startsWith('HELO ') ? '250 ok\r\n' : '500 what\r\n');
    }
  });
}
