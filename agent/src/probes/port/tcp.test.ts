import { once } from 'node:events';
import type { Socket } from 'node:net';
import { decodeEscapes } from '@portwarden/common/text';
import { afterEach, describe, expect, it } from 'vitest';
import { blockedListener, closedPort, listen, type TestServer } from '../../testing/servers.js';
import { createPortProbe, probePort, type PortSpec } from './tcp.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof listen>): Promise<TestServer> {
  const server = await listen(...args);
  servers.push(server);
  return server;
}

function spec(port: number, overrides: Partial<PortSpec> = {}): PortSpec {
  return {
    host: '127.0.0.1',
    port,
    send: Buffer.alloc(0),
    crlf: false,
    extraCrlf: false,
    expect: '',
    maxBytes: 4096,
    timeoutMs: 5000,
    connectTimeoutMs: 5000,
    ...overrides,
  };
}

/** Greets like an SMTP server and answers `250 ok` to a line `HELO x` ending in CR/LF. */
function smtpLike(socket: Socket) {
  socket.write('220 ready\r\n');
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    if (text.includes('HELO x\r\n')) socket.write('250 ok\r\n');
  });
}

describe('port probe', () => {
  it('is up as soon as it connects when nothing is expected', async () => {
    const { port } = await serve(() => {});
    const result = await probePort(spec(port), {});
    expect(result).toMatchObject({ outcome: 'up', detail: 'connected' });
    expect(result.reason).toBeUndefined();
    expect(result.timings.totalMs).toBe(result.durationMs);
  });

  it('is down with reason refused when nothing listens', async () => {
    const result = await probePort(spec(await closedPort()), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'refused' });
    expect(result.detail).toMatch(/ECONNREFUSED/);
  });

  it('is down with reason connect-timeout when the handshake gets no answer', async () => {
    const blocked = await blockedListener();
    servers.push(blocked);
    const result = await probePort(spec(blocked.port, { connectTimeoutMs: 200 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'connect-timeout' });
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('is up when the reply to the sent line contains the expected text (crlf)', async () => {
    const { port } = await serve(smtpLike);
    const result = await probePort(
      spec(port, { send: Buffer.from('HELO x'), crlf: true, expect: '250' }),
      {},
    );
    expect(result).toMatchObject({ outcome: 'up', detail: 'found "250" in "220 ready\\r\\n250 ok\\r\\n"' });
  });

  it('is an expect-mismatch showing the greeting when the line lacks its CR/LF', async () => {
    const { port } = await serve(smtpLike);
    const result = await probePort(
      spec(port, { send: Buffer.from('HELO x'), expect: '250', timeoutMs: 300 }),
      {},
    );
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'expect-mismatch',
      detail: 'expected "250" but received "220 ready\\r\\n"',
    });
  });

  it('matches a banner without a trailing newline at once', async () => {
    const { port } = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.6'));
    const result = await probePort(spec(port, { expect: 'SSH-2.0', timeoutMs: 10_000 }), {});
    expect(result.outcome).toBe('up');
    expect(result.durationMs).toBeLessThan(1000);
    expect(result.timings.firstByteMs).toBeLessThanOrEqual(result.durationMs);
  });

  it('is a read-timeout when the server accepts and never speaks', async () => {
    const { port } = await serve(() => {});
    const result = await probePort(spec(port, { expect: 'hello', timeoutMs: 300 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'read-timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('is a reset when the server resets the connection', async () => {
    const { port } = await serve((socket) => socket.resetAndDestroy());
    const result = await probePort(spec(port, { expect: 'hello' }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'reset' });
  });

  it('is closed when the server closes at once without a byte', async () => {
    const { port } = await serve((socket) => socket.end());
    const result = await probePort(spec(port, { expect: 'hello' }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'closed' });
  });

  it('stops reading at maxBytes and shows at most 200 characters of what arrived', async () => {
    // The server sends 1 MiB and keeps the connection open: only maxBytes can end the read early.
    const { port } = await serve((socket) => socket.write(Buffer.alloc(1024 * 1024, 'x')));
    const result = await probePort(spec(port, { expect: '250', timeoutMs: 10_000 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'expect-mismatch' });
    expect(result.durationMs).toBeLessThan(5000);
    const shown = /but received "(.*)"$/.exec(result.detail)?.[1];
    expect(shown).toBe(`${'x'.repeat(200)}…`);
  });

  it('is down with reason dns when the name does not resolve', async () => {
    // The system resolver here is off-machine, so the lookup is injected: the test must stay on loopback.
    const lookup = (host: string) =>
      Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    const result = await createPortProbe({ lookup })(spec(80, { host: 'nonexistent.invalid' }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'dns',
      detail: 'cannot resolve nonexistent.invalid: ENOTFOUND',
    });
  });

  it('bounds a resolver that never answers by the probe timeout', async () => {
    const lookup = () => new Promise<never>(() => {});
    const result = await createPortProbe({ lookup })(spec(80, { host: 'slow.test', timeoutMs: 100 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'dns' });
    expect(result.detail).toMatch(/^no answer from the resolver within \d+ ms$/);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('connects to the address the resolver returns and records the lookup time', async () => {
    const { port } = await serve((socket) => socket.write('+OK\r\n'));
    const lookup = async (host: string) => {
      expect(host).toBe('mail.test');
      await new Promise((r) => setTimeout(r, 20));
      return { address: '127.0.0.1', family: 4 };
    };
    const result = await createPortProbe({ lookup })(spec(port, { host: 'mail.test', expect: '+OK' }), {});
    expect(result.outcome).toBe('up');
    expect(result.timings.dnsMs).toBeGreaterThanOrEqual(15);
  });

  it('works over IPv6 loopback', async () => {
    const { port } = await serve((socket) => socket.write('220 v6\r\n'), { host: '::1' });
    const result = await probePort(spec(port, { host: '::1', expect: 'v6' }), {});
    expect(result.outcome).toBe('up');
    expect((await probePort(spec(port, { host: '[::1]' }), {})).outcome).toBe('up');
  });

  it('ends at once when its signal aborts', async () => {
    const { port } = await serve(() => {});
    const abort = new AbortController();
    const pending = probePort(spec(port, { expect: 'never', timeoutMs: 10_000 }), { signal: abort.signal });
    abort.abort();
    const result = await pending;
    expect(result).toMatchObject({ outcome: 'down', reason: 'internal', detail: 'probe cancelled' });
    expect(result.durationMs).toBeLessThan(1000);
  });
});

describe('bytes on the wire', () => {
  // Each case: the send text as written in a policy (escapes), crlf, extraCrlf, the exact bytes sent.
  const cases: [string, boolean, boolean, string][] = [
    ['HELO x', false, false, 'HELO x'],
    ['HELO x', true, false, 'HELO x\r\n'],
    ['HELO x', true, true, 'HELO x\r\n\r\n'],
    // extraCrlf alone still ends the text with exactly one CR/LF
    ['HELO x', false, true, 'HELO x\r\n'],
    // escapes are decoded before the probe; CR/LF goes after the last command only
    ['USER a\\r\\nPASS b', true, true, 'USER a\r\nPASS b\r\n\r\n'],
    ['a\\tb\\\\c\\x00', true, false, 'a\tb\\c\x00\r\n'],
    ['', true, false, '\r\n'],
  ];

  it.each(cases)('send %j crlf=%s extraCrlf=%s', async (text, crlf, extraCrlf, wire) => {
    const received: Buffer[] = [];
    let closed!: Promise<unknown>;
    const { port } = await serve((socket) => {
      socket.on('data', (chunk) => received.push(chunk));
      closed = once(socket, 'close');
    });
    const result = await probePort(spec(port, { send: decodeEscapes(text), crlf, extraCrlf }), {});
    expect(result.outcome).toBe('up');
    await closed;
    expect(Buffer.concat(received).toString('latin1')).toBe(wire);
  });
});
