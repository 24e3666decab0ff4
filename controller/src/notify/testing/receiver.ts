import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRecorder, type Recorder } from './recorder.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A webhook receiver on 127.0.0.1, port 0. Each path answers from its script in order (`script`),
 * then 200 for good; `hang` paths never answer.
 */
export interface Receiver {
  url: string;
  requests: Recorder<ReceivedRequest>;
  script(path: string, replies: Reply[]): void;
  hang(path: string): void;
  /** Requests received on one path so far. */
  on(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests = createRecorder<ReceivedRequest>();
  const scripts = new Map<string, Reply[]>();
  const hanging = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (hanging.has(path)) return;
      const reply = scripts.get(path)?.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
      requests.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (path, replies) => scripts.set(path, [...replies]),
    hang: (path) => hanging.add(path),
    on: (path) => requests.items.filter((request) => request.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
