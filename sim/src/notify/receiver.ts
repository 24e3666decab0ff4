import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { WebhookMessage } from './tracker.js';

/** A webhook receiver on loopback: every POST body (JSON) goes to `onMessage` with its arrival time (performance.now(), the clock the fleet stamps results with). */
export class WebhookReceiver {
  private server: Server | undefined;
  url = '';

  constructor(private readonly onMessage: (message: WebhookMessage, atMs: number) => void) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        res.writeHead(200).end('ok');
        try {
          this.onMessage(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookMessage, at);
        } catch {
          // Not JSON: nothing of ours. The controller only sends JSON.
        }
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
