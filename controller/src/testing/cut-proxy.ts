import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/**
 * A loopback TCP proxy to a local port (PostgreSQL, say) that can be cut: `cut()` drops every
 * connection and stops listening, so that until `restore()` new connections are refused, as a
 * stopped database looks to its clients.
 */
export class CutProxy {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  port = 0;

  constructor(private readonly target: number) {
    this.server = createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /**
   * A network that drops packets: nothing flows on open connections any more, and new ones are
   * accepted but never answered, so that clients wait for their own timeouts.
   */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await this.start();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    if (this.stalled) {
      this.sockets.add(client.on('error', () => {}).pause());
      return;
    }
    const upstream = connect(this.target, '127.0.0.1');
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        other.destroy();
      });
      socket.pipe(other);
    }
  }
}
