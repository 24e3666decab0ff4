/** Portwarden's own port probe, imported from the built agent package exactly as the agent runs it. */
import { DEFAULT_MAX_BYTES } from '@portwarden/agent/probes/port/conversation';
import { probePort, type PortSpec } from '@portwarden/agent/probes/port/tcp';
import { probeLoop, type Window } from '../cell/child.js';
import { EXPECT_TEXT, SEND_TEXT, type CellSpec } from '../cell/protocol.js';

/** The spec the agent builds from a policy check: `send: HELO x`, `crlf: true`, `expect: '250'`. */
export function portSpec(cell: CellSpec): PortSpec {
  const conversing = cell.mode === 'send-expect';
  return {
    host: cell.target.host,
    port: cell.target.port,
    timeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    send: conversing ? Buffer.from(SEND_TEXT) : new Uint8Array(0),
    crlf: conversing,
    extraCrlf: false,
    ...(conversing && { expect: EXPECT_TEXT }),
    maxBytes: DEFAULT_MAX_BYTES,
  };
}

export function createWindow(cell: CellSpec): Window {
  const spec = portSpec(cell);
  return probeLoop(cell, async () => {
    const result = await probePort(spec, {});
    return result.outcome === 'up' ? undefined : `${result.reason}: ${result.detail}`;
  });
}
