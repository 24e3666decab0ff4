import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { blockedListener, closedPort, listen, listenBoth, type TestServer } from '../../testing/servers.js';
import { connectFailure } from './attempt.js';
import type { Lookup } from './resolve.js';
import { defaultPortSpec, type PortSpecInput } from './spec.js';
import { createPortProbe, probePort } from './tcp.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof listen>): Promise<TestServer> {
  const server = await listen(...args);
  servers.push(server);
  return server;
}

const spec = (port: number, input: PortSpecInput = {}) =>
  defaultPortSpec({ port, timeoutMs: 5000, ...input });

/** Greets like an SMTP server and answers `250 ok` to a line `HELO x` ending in CR/LF. */
function smtpLike(socket: Socket) {
  socket.write('220 ready\r\n');
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    if (text.includes('HELO x\r\n')) socket.write('250 ok\r\n');
  });
}

/** Resolves every name to these addresses, recording what it was asked. */
function fixedLookup(addresses: string[]) {
  const asked: { host: string; family: number }[] = [];
  const lookup: Lookup = async (host, options) => {
    asked.push({ host, family: options.family });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, asked };
}

describe('port probe: one test per reason', () => {
  it('is up as soon as it connects when nothing is expected', async () => {
    const { port } = await serve(() => {});
    const result = await probePort(spec(port), {});
    expect(result).toMatchObject({ outcome: 'up', detail: 'connected' });
    expect(result.reason).toBeUndefined();
    expect(result.transcript).toBeUndefined();
    expect(result.timings.totalMs).toBe(result.durationMs);
  });

  it('refused: nothing listens', async () => {
    const port = await closedPort();
    const result = await probePort(spec(port), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'refused',
      detail: `cannot connect to 127.0.0.1:${port}: ECONNREFUSED`,
    });
  });

  it('connect-timeout: the handshake gets no answer', async () => {
    const blocked = await blockedListener();
    servers.push(blocked);
    const result = await probePort(spec(blocked.port, { connectTimeoutMs: 200 }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'connect-timeout',
      detail: `no answer from 127.0.0.1:${blocked.port} within 200 ms`,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('read-timeout: the server accepts and never speaks', async () => {
    const { port } = await serve(() => {});
    const result = await probePort(spec(port, { expect: 'hello', timeoutMs: 300 }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'read-timeout',
      detail: 'nothing received, expected "hello"',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('dns: the name does not resolve', async () => {
    // The system resolver here is off-machine, so the lookup is injected: the test must stay on loopback.
    const lookup: Lookup = (host) =>
      Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    const result = await createPortProbe({ lookup })(spec(80, { host: 'nonexistent.invalid' }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'dns',
      detail: 'cannot resolve nonexistent.invalid: ENOTFOUND',
    });
    expect(result.transcript).toBeUndefined();
  });

  it('dns: the resolver never answers, bounded by the probe timeout', async () => {
    const lookup: Lookup = () => new Promise<never>(() => {});
    const result = await createPortProbe({ lookup })(spec(80, { host: 'slow.test', timeoutMs: 100 }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'dns',
      detail: 'no answer from the resolver within 100 ms',
    });
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('dns: the name has no address of the wanted family', async () => {
    const { lookup } = fixedLookup(['127.0.0.1']);
    const result = await createPortProbe({ lookup })(spec(80, { host: 'v4.test', family: 'ipv6' }), {});
    expect(result).toMatchObject({ reason: 'dns', detail: 'cannot resolve v4.test: no IPv6 address' });
  });

  it('unreachable: no route (mapped from the socket error; loopback always has a route)', () => {
    const target = { address: '10.0.0.5', family: 4 as const, port: 25, where: '10.0.0.5:25' };
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
      const error = Object.assign(new Error(code), { code });
      expect(connectFailure(error, target)).toEqual({
        reason: 'unreachable',
        detail: `cannot connect to 10.0.0.5:25: ${code}`,
      });
    }
  });

  // The servers answer the probe's first bytes, so the probe is surely connected when they reset.
  it('reset: the server resets the connection', async () => {
    const { port } = await serve((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const result = await probePort(spec(port, { send: 'hi', expect: 'hello' }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'reset', detail: 'connection reset by peer' });
  });

  it('reset: in the middle of a dialogue, the detail showing what the step had seen', async () => {
    // A reset right behind unread bytes reads as a close on Linux, so the server resets once its
    // greeting is read: when the probe answers it.
    const { port } = await serve((socket) => {
      socket.write('220 mx\r\n');
      socket.once('data', () => socket.resetAndDestroy());
    });
    const steps = defaultPortSpec({ port, expect: '220' }).steps;
    const result = await probePort(
      spec(port, { steps: [...steps, { kind: 'send', bytes: Buffer.from('EHLO x\r\n') }, ...steps] }),
      {},
    );
    expect(result).toMatchObject({
      reason: 'reset',
      detail: 'connection reset by peer after receiving " mx\\r\\n"',
    });
  });

  it('closed: the server closes at once without a byte', async () => {
    const { port } = await serve((socket) => socket.end());
    const result = await probePort(spec(port, { expect: 'hello' }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'closed',
      detail: 'connection closed by peer before any byte arrived, expected "hello"',
    });
  });

  it('expect-mismatch: the line lacks its CR/LF, so only the greeting arrives', async () => {
    const { port } = await serve(smtpLike);
    const result = await probePort(spec(port, { send: 'HELO x', expect: '250', timeoutMs: 300 }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'expect-mismatch',
      detail: 'expected "250" but received "220 ready\\r\\n"',
    });
  });

  it('expect-mismatch: a server that sends 1 MiB, read up to maxBytes and shown cut at 200', async () => {
    // The server keeps the connection open: only maxBytes can end the read early.
    const { port } = await serve((socket) => socket.write(Buffer.alloc(1024 * 1024, 'x')));
    const result = await probePort(spec(port, { expect: '250', timeoutMs: 10_000 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'expect-mismatch' });
    expect(result.durationMs).toBeLessThan(5000);
    expect(result.detail).toBe(`expected "250" but received "${'x'.repeat(200)}…"`);
  });

  it('slow: it passes, but after slowAfter', async () => {
    const { port } = await serve((socket) => setTimeout(() => socket.write('220 late\r\n'), 150));
    const result = await probePort(spec(port, { expect: '220', slowAfterMs: 50 }), {});
    expect(result).toMatchObject({ outcome: 'down', reason: 'slow' });
    expect(result.detail).toMatch(/^took \d+ ms, over slowAfter 50 ms; found "220" in "220 late\\r\\n"$/);
    expect(result.durationMs).toBeGreaterThan(50);
  });

  it('is up within slowAfter', async () => {
    const { port } = await serve((socket) => socket.write('220 now\r\n'));
    const result = await probePort(spec(port, { expect: '220', slowAfterMs: 4000 }), {});
    expect(result.outcome).toBe('up');
  });

  it('exposed: a port that must stay closed accepts', async () => {
    const { port } = await serve(() => {});
    const result = await probePort(spec(port, { expectClosed: true }), {});
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'exposed',
      detail: `127.0.0.1:${port} accepted a connection; it must not be reachable`,
    });
  });

  it('a port that must stay closed passes when refused, or when the handshake times out', async () => {
    const port = await closedPort();
    expect(await probePort(spec(port, { expectClosed: true }), {})).toMatchObject({
      outcome: 'up',
      detail: `closed as expected: cannot connect to 127.0.0.1:${port}: ECONNREFUSED`,
    });
    const blocked = await blockedListener();
    servers.push(blocked);
    const result = await probePort(spec(blocked.port, { expectClosed: true, connectTimeoutMs: 150 }), {});
    expect(result).toMatchObject({ outcome: 'up' });
    expect(result.detail).toMatch(/^closed as expected: no answer from/);
  });
});

describe('port probe: the conversation', () => {
  it('is up when the reply to the sent line contains the expected text (crlf)', async () => {
    const { port } = await serve(smtpLike);
    const result = await probePort(spec(port, { send: 'HELO x', crlf: true, expect: '250' }), {});
    expect(result).toMatchObject({ outcome: 'up', detail: 'found "250" in "220 ready\\r\\n250 ok\\r\\n"' });
  });

  it('matches a banner without a trailing newline at once', async () => {
    const { port } = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.6'));
    const result = await probePort(spec(port, { expect: 'SSH-2.0', timeoutMs: 10_000 }), {});
    expect(result.outcome).toBe('up');
    expect(result.durationMs).toBeLessThan(1000);
    expect(result.timings.firstByteMs).toBeLessThanOrEqual(result.durationMs);
  });

  it('matches regexes, ignoring case, and lists with any', async () => {
    const { port } = await serve((socket) => socket.write('220 MX.example esmtp Postfix\r\n'));
    const probe = (input: PortSpecInput) => probePort(spec(port, { timeoutMs: 300, ...input }), {});
    expect((await probe({ expectRegex: '^220 \\S+ ' })).outcome).toBe('up');
    expect((await probe({ expect: 'ESMTP' })).reason).toBe('expect-mismatch');
    expect((await probe({ expect: 'ESMTP', ignoreCase: true })).outcome).toBe('up');
    expect((await probe({ expect: ['Exim', 'Postfix'], expectMode: 'any' })).outcome).toBe('up');
    expect(await probe({ expect: ['Exim', 'Postfix'] })).toMatchObject({
      reason: 'expect-mismatch',
      detail: 'expected all of "Exim", "Postfix" but received "220 MX.example esmtp Postfix\\r\\n"',
    });
  });

  it('runs a multi-step dialogue and sends the quit text before closing', async () => {
    let received = '';
    let closed!: Promise<unknown>;
    const { port } = await serve((socket) => {
      closed = once(socket, 'close');
      socket.write('220 mx\r\n');
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (chunk.includes('EHLO')) socket.write('250-mx\r\n250 SIZE 10\r\n');
        if (chunk.includes('NOOP')) socket.write('250 2.0.0 Ok\r\n');
      });
    });
    const result = await probePort(
      spec(port, {
        crlf: true,
        quit: 'QUIT',
        steps: [
          { kind: 'expect', expect: { texts: ['220 '], regexes: [], mode: 'all', ignoreCase: false } },
          { kind: 'send', bytes: Buffer.from('EHLO x') },
          { kind: 'expect', expect: { texts: [], regexes: ['^250 '], mode: 'all', ignoreCase: false } },
          { kind: 'send', bytes: Buffer.from('NOOP') },
          { kind: 'expect', expect: { texts: ['Ok'], regexes: [], mode: 'all', ignoreCase: false } },
        ],
      }),
      {},
    );
    expect(result).toMatchObject({
      outcome: 'up',
      detail: 'found "Ok" in "SIZE 10\\r\\n250 2.0.0 Ok\\r\\n"',
    });
    await closed;
    expect(received).toBe('EHLO x\r\nNOOP\r\nQUIT\r\n');
  });

  it('carries a bounded transcript on failure, and on success only when asked', async () => {
    const { port } = await serve(smtpLike);
    const failed = await probePort(
      spec(port, { send: 'HELO y', crlf: true, expect: '250', timeoutMs: 200 }),
      {},
    );
    expect(failed.transcript?.entries.map((e) => [e.direction, e.text])).toEqual([
      ['note', `connected to 127.0.0.1:${port}`],
      ['sent', 'HELO y\\r\\n'],
      ['received', '220 ready\\r\\n'],
    ]);
    expect(failed.transcript?.truncated).toBe(false);
    const passed = await probePort(spec(port, { send: 'HELO x', crlf: true, expect: '250' }), {});
    expect(passed.transcript).toBeUndefined();
    const asked = await probePort(
      spec(port, { send: 'HELO x', crlf: true, expect: '250', transcript: true }),
      {},
    );
    expect(asked.transcript?.entries.map((e) => e.direction)).toEqual(['note', 'sent', 'received']);
    const times = asked.transcript!.entries.map((e) => e.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
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

describe('port probe: addresses', () => {
  it('works over IPv6 loopback, bracketed or not', async () => {
    const { port } = await serve((socket) => socket.write('220 v6\r\n'), { host: '::1' });
    expect((await probePort(spec(port, { host: '::1', expect: 'v6' }), {})).outcome).toBe('up');
    expect((await probePort(spec(port, { host: '[::1]' }), {})).outcome).toBe('up');
    expect(await probePort(spec(await closedPort(), { host: '::1' }), {})).toMatchObject({
      reason: 'refused',
      detail: expect.stringMatching(/^cannot connect to \[::1\]:\d+: ECONNREFUSED$/),
    });
  });

  it('connects to the address the resolver returns and records the lookup time', async () => {
    const { port } = await serve((socket) => socket.write('+OK\r\n'));
    const lookup: Lookup = async (host) => {
      expect(host).toBe('mail.test');
      await new Promise((r) => setTimeout(r, 20));
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const result = await createPortProbe({ lookup })(spec(port, { host: 'mail.test', expect: '+OK' }), {});
    expect(result.outcome).toBe('up');
    expect(result.timings.dnsMs).toBeGreaterThanOrEqual(15);
  });

  it('asks the resolver for the family and uses only the first address by default', async () => {
    const { port } = await serve((socket) => socket.write('hi v6\r\n'), { host: '::1' });
    const { lookup, asked } = fixedLookup(['::1', '127.0.0.1']);
    const result = await createPortProbe({ lookup })(
      spec(port, { host: 'both.test', family: 'ipv6', expect: 'v6' }),
      {},
    );
    expect(result.outcome).toBe('up');
    expect(asked).toEqual([{ host: 'both.test', family: 6 }]);
  });

  it('all: every address must pass, and the detail names the one that failed', async () => {
    const [v4, v6] = await listenBoth((socket) => socket.write('220 hi\r\n'));
    servers.push(v4!);
    await v6!.close();
    // ::1 on that port is closed now: the name has one good and one bad address.
    const { lookup } = fixedLookup(['127.0.0.1', '::1']);
    const result = await createPortProbe({ lookup })(
      spec(v4!.port, { host: 'pair.test', addresses: 'all', expect: '220' }),
      {},
    );
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'refused',
      detail: `[::1]:${v4!.port}, 1 of 2 addresses: cannot connect to [::1]:${v4!.port}: ECONNREFUSED`,
    });
  });

  it('all: up when both pass', async () => {
    const both = await listenBoth((socket) => socket.write('220 hi\r\n'));
    servers.push(...both);
    const { lookup } = fixedLookup(['127.0.0.1', '::1']);
    const result = await createPortProbe({ lookup })(
      spec(both[0]!.port, { host: 'pair.test', addresses: 'all', expect: '220' }),
      {},
    );
    expect(result).toMatchObject({
      outcome: 'up',
      detail: `all 2 addresses passed (127.0.0.1:${both[0]!.port}, [::1]:${both[0]!.port}); 127.0.0.1:${both[0]!.port}: found "220" in "220 hi\\r\\n"`,
    });
  });

  it('any: one address passing is enough; all failing names each', async () => {
    const [v4, v6] = await listenBoth((socket) => socket.write('220 hi\r\n'));
    servers.push(v4!);
    await v6!.close();
    const { lookup } = fixedLookup(['::1', '127.0.0.1']);
    const probe = createPortProbe({ lookup });
    const up = await probe(spec(v4!.port, { host: 'pair.test', addresses: 'any', expect: '220' }), {});
    expect(up).toMatchObject({
      outcome: 'up',
      detail: `127.0.0.1:${v4!.port}, 1 of 2 addresses: found "220" in "220 hi\\r\\n"`,
    });
    await v4!.close();
    const down = await probe(spec(v4!.port, { host: 'pair.test', addresses: 'any' }), {});
    expect(down).toMatchObject({
      outcome: 'down',
      reason: 'refused',
      detail:
        `all 2 addresses failed; [::1]:${v4!.port}: cannot connect to [::1]:${v4!.port}: ECONNREFUSED; ` +
        `127.0.0.1:${v4!.port}: cannot connect to 127.0.0.1:${v4!.port}: ECONNREFUSED`,
    });
  });
});

describe('bytes on the wire', () => {
  // The send text as written in a policy (escapes) and its decoded bytes.
  const texts: [string, string][] = [
    ['HELO x', 'HELO x'],
    // CR/LF written inside the text is sent as written; options add CR/LF after the end only
    ['USER a\\r\\nPASS b', 'USER a\r\nPASS b'],
    ['a\\tb\\\\c\\x00\\xff', 'a\tb\\c\x00\xff'],
    // an empty text with crlf sends just the CR/LF
    ['', ''],
  ];
  // Every combination with crlf and extraCrlf: the text, CR/LF if crlf, one more if extraCrlf.
  const cases = texts.flatMap(([text, decoded]) =>
    [false, true].flatMap((crlf) =>
      [false, true].map((extraCrlf): [string, boolean, boolean, string] => [
        text,
        crlf,
        extraCrlf,
        decoded + (crlf ? '\r\n' : '') + (extraCrlf ? '\r\n' : ''),
      ]),
    ),
  );

  it.each(cases)('send %j crlf=%s extraCrlf=%s', async (text, crlf, extraCrlf, wire) => {
    const received: Buffer[] = [];
    let closed!: Promise<unknown>;
    const { port } = await serve((socket) => {
      socket.on('data', (chunk) => received.push(chunk));
      closed = once(socket, 'close');
    });
    const result = await probePort(spec(port, { send: text, crlf, extraCrlf }), {});
    expect(result.outcome).toBe('up');
    await closed;
    expect(Buffer.concat(received).toString('latin1')).toBe(wire);
  });
});
