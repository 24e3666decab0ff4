import net from 'node:net';
import { listen, type TestServer } from './servers.js';

/**
 * A loopback TCP proxy to `port` that can go silent: `freeze()` stops forwarding in both
 * directions without closing anything, as a dead NAT entry or a cut cable would. Connections that
 * arrive after that are accepted and never answered.
 */
export class FreezableProxy {
  private frozen = false;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();

  private constructor(private readonly server: TestServer) {}

  static async start(port: number): Promise<FreezableProxy> {
    const created: { proxy?: FreezableProxy } = {};
    const server = await listen((client) => created.proxy!.accept(client, port));
    return (created.proxy = new FreezableProxy(server));
  }

  get address(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    for (const [, upstream] of this.pairs) upstream.destroy();
    await this.server.close();
  }

  private accept(client: net.Socket, port: number): void {
    if (this.frozen) return void client.pause();
    const upstream = net.connect({ host: '127.0.0.1', port });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    client.on('close', () => {
      this.pairs.delete(pair);
      if (!this.frozen) upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
