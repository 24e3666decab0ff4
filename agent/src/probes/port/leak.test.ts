import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../probe.js';
import { createCertificates } from '../../testing/certs.js';
import { closedPort, listen, type TestServer } from '../../testing/servers.js';
import { secureServerSide } from '../../testing/tls-servers.js';
import { defaultPortSpec, type PortSpec } from './spec.js';
import { probePort } from './tcp.js';
import tls from 'node:tls';

const openFds = () => readdirSync('/proc/self/fd').length;
const activeCount = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

/** libuv runs handle close callbacks after the check phase: two immediates pass one close phase. */
const afterClosePhase = async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

/**
 * Runs 1,000 probes at once, a few of them cancelled mid-flight as the scheduler does when a
 * check is removed, and checks that descriptors, sockets and timers are back where they were.
 */
async function leaves(server: TestServer, specs: (i: number) => PortSpec): Promise<Set<string>> {
  const fdsBefore = openFds();
  const timersBefore = activeCount('Timeout');
  const socketsBefore = activeCount('TCPSocketWrap');
  const aborts = Array.from({ length: 1000 }, () => new AbortController());
  const probes = aborts.map((abort, i) => probePort(specs(i), { signal: abort.signal }));
  for (let i = 7; i < aborts.length; i += 100) aborts[i]!.abort();
  const results: ProbeResult[] = await Promise.all(probes);
  await server.drained();
  await afterClosePhase();
  expect(openFds()).toBe(fdsBefore);
  expect(activeCount('Timeout')).toBeLessThanOrEqual(timersBefore);
  expect(activeCount('TCPSocketWrap')).toBe(socketsBefore);
  expect(activeCount('TLSWrap')).toBe(0);
  await server.close();
  return new Set(results.map((r) => r.reason ?? 'up'));
}

/** One behaviour per connection, in turn, so that every way a probe can end is exercised. */
function inTurn(behaviours: ((socket: Socket) => void)[]) {
  let turn = 0;
  return listen((socket) => behaviours[turn++ % behaviours.length]!(socket), { backlog: 2048 });
}

describe.runIf(existsSync('/proc/self/fd'))('port probe resources', () => {
  it('leaves no socket, descriptor or timer behind after 1,000 concurrent probes', async () => {
    const server = await inTurn([
      (socket) => socket.write('220 ready\r\n'), // up
      () => {}, // read-timeout
      (socket) => socket.end(), // closed
      (socket) => socket.resetAndDestroy(), // reset
      (socket) => socket.write('500 busy\r\n'), // expect-mismatch at the deadline
    ]);
    const refused = defaultPortSpec({ port: await closedPort() });
    const spec = defaultPortSpec({
      port: server.port,
      send: 'HELO x',
      crlf: true,
      expect: '220',
      timeoutMs: 1500,
    });
    const reasons = await leaves(server, (i) => (i % 50 === 49 ? refused : spec));
    expect(reasons).toEqual(
      new Set(['up', 'read-timeout', 'closed', 'reset', 'expect-mismatch', 'refused', 'internal']),
    );
  }, 20_000);

  it('does the same for 1,000 TLS and STARTTLS probes, whatever the handshake does', async () => {
    const certs = await createCertificates();
    const dir = await mkdtemp(path.join(tmpdir(), 'pw-leak-'));
    const caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, certs.caPem);
    const context = tls.createSecureContext({ cert: certs.certPem, key: certs.keyPem });
    const secure = (then: (socket: TLSSocket) => void) => (socket: Socket) =>
      secureServerSide(socket, context, then);
    const server = await inTurn([
      secure((s) => s.write('220 secure\r\n')), // up
      secure(() => {}), // read-timeout inside TLS
      () => {}, // read-timeout during the handshake
      (socket) => socket.once('data', () => socket.end()), // closed during the handshake
      (socket) => socket.write('220 plain\r\n'), // tls: not TLS at all
      secure((s) => s.end()), // closed inside TLS
      secure((s) => s.write('500 no\r\n')), // expect-mismatch at the deadline
    ]);
    const base = { port: server.port, caFile, expect: '220', timeoutMs: 1500 };
    const implicit = defaultPortSpec({ ...base, tls: true });
    const untrusted = defaultPortSpec({ ...base, tls: true, caFile: '' });
    const expiring = defaultPortSpec({ ...base, tls: true, certExpiresWithinMs: 400 * 86_400_000 });
    const reasons = await leaves(server, (i) =>
      i % 10 === 3 ? untrusted : i % 10 === 5 ? expiring : implicit,
    );
    expect(reasons).toEqual(
      new Set(['up', 'read-timeout', 'closed', 'tls', 'cert-expiring', 'expect-mismatch', 'internal']),
    );

    // STARTTLS: the upgrade wraps the plain socket, and both must go.
    const smtp = await inTurn([
      (socket) => {
        socket.write('220 mx\r\n');
        let text = '';
        socket.on('data', function onData(chunk: Buffer) {
          text += chunk.toString('latin1');
          if (text.endsWith('EHLO portwarden\r\n')) socket.write('250 mx\r\n');
          if (text.endsWith('STARTTLS\r\n')) {
            socket.off('data', onData);
            socket.write('220 go\r\n', () =>
              secureServerSide(socket, context, (s) => s.write('220 inside\r\n')),
            );
          }
        });
      },
      (socket) => socket.write('220 mx\r\n'), // read-timeout waiting for the EHLO reply
    ]);
    const starttls = defaultPortSpec({ port: smtp.port, caFile, starttls: 'smtp', timeoutMs: 1500 });
    expect(await leaves(smtp, () => starttls)).toEqual(new Set(['up', 'read-timeout', 'internal']));
    await rm(dir, { recursive: true, force: true });
  }, 30_000);
});
