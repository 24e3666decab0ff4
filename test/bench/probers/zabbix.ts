/**
 * Asks zabbix_agentd for net.tcp.service checks as a Zabbix server does (passive checks, one
 * connection per request). This process is only the load; the agent's CPU is measured apart.
 */
import net from 'node:net';
import { probeLoop, type Window } from '../cell/child.js';
import type { CellSpec } from '../cell/protocol.js';
import { zabbixItemKey, zabbixRequest, zabbixValue } from '../tools/zabbix.js';

export function createWindow(cell: CellSpec): Window {
  const request = zabbixRequest(zabbixItemKey(cell.mode, cell.target));
  const port = Number(cell.settings.port);
  return probeLoop(
    cell,
    () =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.once('connect', () => socket.write(request));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        socket.once('close', () => {
          const value = zabbixValue(Buffer.concat(chunks));
          resolve(value === '1' ? undefined : `agent answered ${JSON.stringify(value.slice(0, 60))}`);
        });
      }),
  );
}
