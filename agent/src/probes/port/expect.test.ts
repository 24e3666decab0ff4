import { describe, expect, it } from 'vitest';
import { Matcher } from './expect.js';
import type { Expectation } from './spec.js';

const expectation = (over: Partial<Expectation>): Expectation => ({
  texts: [],
  regexes: [],
  mode: 'all',
  ignoreCase: false,
  ...over,
});

describe('Matcher', () => {
  // Each case: the expectation, what arrived, then where the match ends (-1: not met); the comment says why.
  const cases: [string, Partial<Expectation>, string, number][] = [
    ['a substring anywhere', { texts: ['250'] }, '220 hi\r\n250 ok', 11],
    ['case matters by default', { texts: ['ok'] }, '250 OK', -1],
    ['ignoreCase folds ASCII both ways', { texts: ['Ok'], ignoreCase: true }, '250 oK', 6],
    ['all: every text, ending after the last match', { texts: ['250', 'hi'] }, '220 hi\r\n250 ok', 11],
    ['all: one missing is no match', { texts: ['250', 'bye'] }, '220 hi\r\n250 ok', -1],
    ['any: the first found decides', { texts: ['bye', 'hi'], mode: 'any' }, '220 hi\r\n250 ok', 6],
    ['any: none found', { texts: ['bye', 'nope'], mode: 'any' }, '220 hi', -1],
    ['a regex, multi-line by default', { regexes: ['^250 [^\\n]*\\n'] }, '250-a\r\n250 b\r\n', 14],
    ['a regex on a partial line waits', { regexes: ['^250 [^\\n]*\\n'] }, '250-a\r\n250 b', -1],
    ['a regex with ignoreCase', { regexes: ['^ssh-2\\.0'], ignoreCase: true }, 'SSH-2.0-OpenSSH', 7],
    ['texts and regexes together, all', { texts: ['ESMTP'], regexes: ['^220 '] }, '220 mx ESMTP', 12],
    ['texts and regexes together, any', { texts: ['nope'], regexes: ['^220'], mode: 'any' }, '220 mx', 3],
    ['a regex sees bytes as Latin-1', { regexes: ['\\xff\\x00'] }, '\xff\x00', 2],
    ['a UTF-8 text matches its bytes', { texts: ['é'] }, Buffer.from('café', 'utf8').toString('latin1'), 5],
  ];

  it.each(cases)('%s', (_why, over, received, end) => {
    const matcher = new Matcher(expectation(over));
    const window = Buffer.from(received, 'latin1');
    expect(matcher.match(window, window.length)).toBe(end);
  });

  it('finds a text split across chunks without rescanning old bytes', () => {
    const matcher = new Matcher(expectation({ texts: ['250'] }));
    expect(matcher.match(Buffer.from('220 hi 2'), 8)).toBe(-1);
    expect(matcher.match(Buffer.from('220 hi 250'), 2)).toBe(10);
  });

  // Each case: the expectation and how a detail names it.
  const descriptions: [Partial<Expectation>, string][] = [
    [{ texts: ['250'] }, '"250"'],
    [{ regexes: ['^250 '] }, '/^250 /'],
    [{ texts: ['a', 'b'], regexes: ['c'] }, 'all of "a", "b", /c/'],
    [
      { texts: ['a\r\n'], mode: 'any', regexes: ['b'], ignoreCase: true },
      'any of "a\\r\\n", /b/ (ignoring case)',
    ],
  ];
  it.each(descriptions)('describes %j as %s', (over, text) => {
    expect(new Matcher(expectation(over)).description).toBe(text);
  });
});
