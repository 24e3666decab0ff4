/**
 * Portwarden's own port probe, imported from the built agent package exactly as the agent runs it:
 * one spec object per check, filled in by the probe's own defaults, reused for every run.
 */
import { defaultPortSpec, type PortSpec } from '@portwarden/agent/probes/port/spec';
import { probePort } from '@portwarden/agent/probes/port/tcp';
import { probeLoop, type Window } from '../cell/child.js';
import { EXPECT_TEXT, SEND_TEXT, type CellSpec } from '../cell/protocol.js';

/** What a policy check says: `send: HELO x`, `crlf: true`, `expect: '250'` (or nothing: connect only). */
export function portSpec(cell: CellSpec): PortSpec {
  const conversation = cell.mode === 'send-expect' && { send: SEND_TEXT, crlf: true, expect: EXPECT_TEXT };
  return defaultPortSpec({
    host: cell.target.host,
    port: cell.target.port,
    timeoutMs: 10_000,
    ...conversation,
  });
}

export function createWindow(cell: CellSpec): Window {
  const spec = portSpec(cell);
  return probeLoop(cell, async () => {
    const result = await probePort(spec, {});
    return result.outcome === 'up' ? undefined : `${result.reason}: ${result.detail}`;
  });
}
