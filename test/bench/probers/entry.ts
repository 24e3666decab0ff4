/**
 * The prober child process: loads only the prober of the tool it was asked for (so that one
 * tool's modules never weigh on another's RSS) and serves one cell.
 */
import { runChild, serveCell, type Window } from '../cell/child.js';
import type { CellSpec, Tool } from '../cell/protocol.js';

type CreateWindow = (spec: CellSpec) => Window;

const PROBERS: Record<Tool, () => Promise<{ createWindow: CreateWindow }>> = {
  portwarden: () => import('./portwarden.js'),
  bare: () => import('./bare.js'),
  check_tcp: () => import('./check-tcp.js'),
  blackbox: () => import('./blackbox.js'),
  zabbix: () => import('./zabbix.js'),
};

runChild(async (spec) => {
  const { createWindow } = await PROBERS[spec.tool]();
  await serveCell(spec, createWindow(spec));
});
