import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compileScript, converse, judge, type Exchange } from './conversation.js';
import { Matcher } from './expect.js';
import type { Expectation, Step } from './spec.js';

/**
 * A socket stand-in whose incoming chunks the test pushes one by one, so chunk edges are exact;
 * `reply` answers each write, as a server would.
 */
function fakeSocket(reply: (written: string) => string | undefined = () => undefined) {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      const answer = reply(chunk.toString());
      if (answer !== undefined) socket.push(answer);
      callback();
    },
  });
  return { socket, written };
}

const text = (...texts: string[]): Expectation => ({ texts, regexes: [], mode: 'all', ignoreCase: false });
const send = (s: string): Step => ({ kind: 'send', bytes: Buffer.from(s) });
const expecting = (...texts: string[]): Step => ({ kind: 'expect', expect: text(...texts) });
const script = (steps: Step[], options: { crlf?: boolean; maxBytes?: number } = {}) =>
  compileScript({ steps, crlf: options.crlf ?? false, extraCrlf: false, maxBytes: options.maxBytes ?? 4096 });

describe('converse', () => {
  it('finds the expected text split across two chunks', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, script([expecting('250')]), 5000);
    socket.push('220 hi\r\n2');
    socket.push('50 ok');
    expect(await exchange).toMatchObject({ end: 'done' });
    expect((await exchange).received.toString()).toBe('220 hi\r\n250 ok');
  });

  it('keeps exactly maxBytes and stops there', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, script([expecting('z')], { maxBytes: 25 }), 5000);
    for (let i = 0; i < 3; i++) socket.push(Buffer.alloc(10, 'a'));
    const { end, received } = await exchange;
    expect(end).toBe('max-bytes');
    expect(received.length).toBe(25);
  });

  it('writes the request and, expecting nothing, ends once it is flushed', async () => {
    const { socket, written } = fakeSocket();
    const exchange = await converse(socket, script([send('PING')], { crlf: true }), 5000);
    expect(exchange.end).toBe('done');
    expect(Buffer.concat(written).toString()).toBe('PING\r\n');
  });

  it('runs steps in order, each expectation reading after the previous match', async () => {
    const { socket, written } = fakeSocket((line) => (line === 'EHLO x\r\n' ? '250 ok\r\n' : undefined));
    const steps = [expecting('220'), send('EHLO x'), expecting('250 '), send('QUIT')];
    const exchange = converse(socket, script(steps, { crlf: true }), 5000);
    // The greeting's "250" after the matched "220" is left for the second expectation: without
    // the reply to EHLO, "250 " (with its space) is not there yet.
    socket.push('220 mx 250\r\n');
    const result = await exchange;
    expect(result).toMatchObject({ end: 'done' });
    expect(result.received.toString()).toBe(' mx 250\r\n250 ok\r\n');
    expect(Buffer.concat(written).toString()).toBe('EHLO x\r\nQUIT\r\n');
  });

  it('does not let the bytes an expectation consumed satisfy the next one', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, script([expecting('ok'), expecting('ok')]), 5000);
    socket.push('ok\r\n');
    socket.push(null);
    expect(await exchange).toMatchObject({ end: 'closed' });
  });

  it('reports the step that was waiting and what it saw', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, script([expecting('220'), send('EHLO x'), expecting('250')]), 5000);
    socket.push('220 mx\r\n');
    socket.push('500 what\r\n');
    socket.push(null);
    const result = await exchange;
    expect(result.end).toBe('closed');
    expect(result.matcher?.description).toBe('"250"');
    // The first expectation consumed the greeting through "220".
    expect(result.received.toString()).toBe(' mx\r\n500 what\r\n');
  });

  it('leaves no listener behind on the socket', async () => {
    const { socket } = fakeSocket();
    const before = ['data', 'end', 'close', 'error'].map((e) => socket.listenerCount(e));
    const exchange = converse(socket, script([expecting('x')]), 5000);
    socket.push('x');
    await exchange;
    expect(['data', 'end', 'close', 'error'].map((e) => socket.listenerCount(e))).toEqual(before);
  });

  it('ends as closed when the peer ends its side', async () => {
    const { socket } = fakeSocket();
    const exchange = converse(socket, script([expecting('x')]), 5000);
    socket.push('abc');
    socket.push(null);
    expect(await exchange).toMatchObject({ end: 'closed' });
  });
});

describe('judge', () => {
  const matcher = new Matcher(text('250'));
  const exchange = (end: Exchange['end'], received = ''): Exchange => ({
    end,
    matcher,
    received: Buffer.from(received),
  });

  // Each case: how the exchange ended, what arrived, then the outcome, reason and detail; the comment says why.
  const cases: [Exchange['end'], string, string, string | undefined, string][] = [
    // the reply is shown so the operator sees what matched
    ['done', '250 ok', 'up', undefined, 'found "250" in "250 ok"'],
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
    expect(judge(exchange(end, received))).toEqual({ outcome, ...(reason && { reason }), detail });
  });

  it('is up and connected when nothing was expected', () => {
    expect(judge({ end: 'done', received: Buffer.alloc(0) })).toEqual({ outcome: 'up', detail: 'connected' });
  });

  it('escapes the expected text and binary bytes received', () => {
    const verdict = judge({
      end: 'closed',
      matcher: new Matcher(text('a\tb')),
      received: Buffer.from([0x00, 0xff, 0x41]),
    });
    expect(verdict.detail).toBe('expected "a\\tb" but received "\\x00\\xffA"');
  });
});
