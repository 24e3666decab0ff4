import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff.js';

describe('lineDiff', () => {
  it.each([
    // why: the same text is all context
    [
      'a\nb\n',
      'a\nb\n',
      [
        ['same', 'a'],
        ['same', 'b'],
      ],
    ],
    // why: a changed line is the old one removed, then the new one added
    [
      'a\nport: 1\nc\n',
      'a\nport: 2\nc\n',
      [
        ['same', 'a'],
        ['removed', 'port: 1'],
        ['added', 'port: 2'],
        ['same', 'c'],
      ],
    ],
    // why: a line added at the end, without a final newline
    [
      'a\n',
      'a\nb',
      [
        ['same', 'a'],
        ['added', 'b'],
      ],
    ],
    // why: markup is kept as text, for the page to escape
    ['', '<b>x</b>\n', [['added', '<b>x</b>']]],
  ])('diffs %j against %j', (from, to, expected) => {
    expect(lineDiff(from, to).map((l) => [l.kind, l.text])).toEqual(expected);
  });
});
