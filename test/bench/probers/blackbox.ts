/**
 * Drives Prometheus blackbox_exporter the way Prometheus does: concurrent GET /probe over
 * keep-alive connections. This process is only the load; the exporter's CPU is measured apart.
 */
import http from 'node:http';
import { probeLoop, type Window } from '../cell/child.js';
import type { CellSpec } from '../cell/protocol.js';
import { blackboxModule } from '../tools/blackbox.js';

export function createWindow(cell: CellSpec): Window {
  const agent = new http.Agent({ keepAlive: true, maxSockets: cell.concurrency });
  const target = `${cell.target.host}:${cell.target.port}`;
  const options = {
    host: '127.0.0.1',
    port: Number(cell.settings.port),
    path: `/probe?module=${blackboxModule(cell.mode)}&target=${encodeURIComponent(target)}`,
    agent,
  };
  return probeLoop(
    cell,
    () =>
      new Promise((resolve) => {
        const request = http.get(options, (response) => {
          let body = '';
          response.setEncoding('latin1');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            const up = response.statusCode === 200 && body.includes('\nprobe_success 1');
            resolve(up ? undefined : `HTTP ${response.statusCode}, probe_success 0`);
          });
        });
        request.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      }),
  );
}
