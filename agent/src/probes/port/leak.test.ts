import { existsSync, readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedPort, listen } from '../../testing/servers.js';
import { probePort, type PortSpec } from './tcp.js';

const openFds = () => readdirSync('/proc/self/fd').length;
const activeCount = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

/** libuv runs handle close callbacks after the check phase: two immediates pass one close phase. */
const afterClosePhase = async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

/** One server behaviour per connection, in turn, so that every way a probe can end is exercised. */
const behaviours: ((socket: Socket) => void)[] = [
  (socket) => socket.write('220 ready\r\n'), // matched
  () => {}, // read-timeout
  (socket) => socket.end(), // closed
  (socket) => socket.resetAndDestroy(), // reset
  (socket) => socket.write('500 busy\r\n'), // expect-mismatch at the deadline
];

describe.runIf(existsSync('/proc/self/fd'))('port probe resources', () => {
  it('leaves no socket, descriptor or timer behind after 1,000 concurrent probes', async () => {
    let turn = 0;
    const server = await listen((socket) => behaviours[turn++ % behaviours.length]!(socket), {
      backlog: 2048,
    });
    const refusedPort = await closedPort();
    const fdsBefore = openFds();
    const timersBefore = activeCount('Timeout');
    const socketsBefore = activeCount('TCPSocketWrap');

    const spec: PortSpec = {
      host: '127.0.0.1',
      port: server.port,
      send: Buffer.from('HELO x'),
      crlf: true,
      extraCrlf: false,
      expect: '220',
      maxBytes: 4096,
      timeoutMs: 1500,
      connectTimeoutMs: 1500,
    };
    const aborts = Array.from({ length: 1000 }, () => new AbortController());
    const probes = aborts.map((abort, i) =>
      probePort(i % 50 === 49 ? { ...spec, port: refusedPort } : spec, { signal: abort.signal }),
    );
    // Some probes are cancelled mid-flight, as the scheduler does when a check is removed.
    for (let i = 7; i < aborts.length; i += 100) aborts[i]!.abort();
    const results = await Promise.all(probes);
    await server.drained();
    await afterClosePhase();

    const reasons = new Set(results.map((r) => r.reason ?? 'up'));
    expect(reasons).toEqual(
      new Set(['up', 'read-timeout', 'closed', 'reset', 'expect-mismatch', 'refused', 'internal']),
    );
    expect(openFds()).toBe(fdsBefore);
    expect(activeCount('Timeout')).toBeLessThanOrEqual(timersBefore);
    expect(activeCount('TCPSocketWrap')).toBe(socketsBefore);
    await server.close();
  }, 20_000);
});
