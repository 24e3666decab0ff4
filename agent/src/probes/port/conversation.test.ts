import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { converse, judge, type ConversationSpec, type Exchange } from './conversation.js';

/** A socket stand-in whose incoming chunks the test pushes one by one, so chunk edges are exact. */
function fakeSocket() {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { socket, written };
}

const base: ConversationSpec = { send: Buffer.alloc(0), crlf: false, extraCrlf: false, maxBytes: 4096 };

describe('converse', () => {
  it('finds the expected text split across two chunks', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, { ...base, expect: '250' }, 5000);
    socket.push('220 hi\r\n2');
    socket.push('50 ok');
    expect(await exchange).toMatchObject({ end: 'matched' });
    expect((await exchange).received.toString()).toBe('220 hi\r\n250 ok');
  });

  it('keeps exactly maxBytes and stops there', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, { ...base, expect: 'z', maxBytes: 25 }, 5000);
    for (let i = 0; i < 3; i++) socket.push(Buffer.alloc(10, 'a'));
    const { end, received } = await exchange;
    expect(end).toBe('max-bytes');
    expect(received.length).toBe(25);
  });

  it('writes the request and, expecting nothing, ends once it is flushed', async () => {
    const { socket, written } = fakeSocket();
    const exchange = await converse(socket, { ...base, send: Buffer.from('PING'), crlf: true }, 5000);
    expect(exchange.end).toBe('sent');
    expect(Buffer.concat(written).toString()).toBe('PING\r\n');
  });

  it('leaves no listener behind on the socket', async () => {
    const { socket } = fakeSocket();
    const before = ['data', 'end', 'close', 'error'].map((e) => socket.listenerCount(e));
    const exchange = converse(socket, { ...base, expect: 'x' }, 5000);
    socket.push('x');
    await exchange;
    expect(['data', 'end', 'close', 'error'].map((e) => socket.listenerCount(e))).toEqual(before);
  });

  it('ends as closed when the peer ends its side', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, { ...base, expect: 'x' }, 5000);
    socket.push('abc');
    socket.push(null);
    expect(await exchange).toMatchObject({ end: 'closed' });
  });
});

describe('judge', () => {
  const exchange = (end: Exchange['end'], received = ''): Exchange => ({
    end,
    received: Buffer.from(received),
  });

  // Each case: how the exchange ended, what arrived, then the outcome, reason and detail; the comment says why.
  const cases: [Exchange['end'], string, string, string | undefined, string][] = [
    // nothing expected: connecting (and flushing the request) is enough
    ['sent', '', 'up', undefined, 'connected'],
    // the reply is shown so the operator sees what matched
    ['matched', '250 ok', 'up', undefined, 'found "250" in "250 ok"'],
    // bytes arrived without the text: a mismatch, whether the read timed out ...
    ['timeout', '220 ready\r\n', 'down', 'expect-mismatch', 'expected "250" but received "220 ready\\r\\n"'],
    // ... the peer closed ...
    ['closed', '500 no\r\n', 'down', 'expect-mismatch', 'expected "250" but received "500 no\\r\\n"'],
    // ... or maxBytes arrived
    ['max-bytes', 'aaaa', 'down', 'expect-mismatch', 'expected "250" but received "aaaa"'],
    // silence until the deadline
    ['timeout', '', 'down', 'read-timeout', 'nothing received, expected "250"'],
    // the peer hung up before saying anything
    ['closed', '', 'down', 'closed', 'connection closed by peer before any byte arrived, expected "250"'],
    // a reset wins over a mismatch: the connection broke, and what came before is still shown
    ['reset', '220 x', 'down', 'reset', 'connection reset by peer after receiving "220 x"'],
    ['reset', '', 'down', 'reset', 'connection reset by peer'],
    // cancelled by the scheduler (check removed or changed)
    ['aborted', '', 'down', 'internal', 'probe cancelled'],
  ];

  it.each(cases)('%s with %j is %s %s', (end, received, outcome, reason, detail) => {
    const verdict = judge(exchange(end, received), '250');
    expect(verdict).toEqual({ outcome, ...(reason && { reason }), detail });
  });

  it('escapes the expected text and binary bytes received', () => {
    const verdict = judge({ end: 'closed', received: Buffer.from([0x00, 0xff, 0x41]) }, 'a\tb');
    expect(verdict.detail).toBe('expected "a\\tb" but received "\\x00\\xffA"');
  });
});
