/**
 * The floor: what Node itself costs. A bare net.connect, and a minimal hand-written send/expect,
 * with no timers, no timings and no result object: the most a Node prober can do on this machine.
 */
import net from 'node:net';
import { probeLoop, type Window } from '../cell/child.js';
import { EXPECT_TEXT, SEND_TEXT, type CellSpec } from '../cell/protocol.js';

function connectOnly(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const REQUEST = Buffer.from(`${SEND_TEXT}\r\n`);

function sendExpect(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let received = '';
    socket.once('connect', () => socket.write(REQUEST));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes(EXPECT_TEXT)) return;
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.once('close', () => resolve(`closed after ${JSON.stringify(received)}`));
  });
}

export function createWindow(cell: CellSpec): Window {
  const { host, port } = cell.target;
  return probeLoop(
    cell,
    cell.mode === 'connect' ? () => connectOnly(host, port) : () => sendExpect(host, port),
  );
}
