import { describe, expect, it } from 'vitest';
import { ago, boardState, labelsMatch } from './format.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('ago', () => {
  it.each([
    // why: no state change recorded yet
    [null, '—'],
    // why: a clock a little ahead of the browser's must not say "-2 s"
    ['2026-12-07T12:00:02Z', '0 s ago'],
    ['2026-12-07T11:59:15Z', '45 s ago'],
    // why: minutes are floored, not rounded up
    ['2026-12-07T11:57:01Z', '2 min ago'],
    ['2026-12-07T09:30:00Z', '2 h 30 min ago'],
    // why: beyond two days hours stop being useful
    ['2026-12-04T12:00:00Z', '3 d ago'],
  ])('%s -> %s', (iso, expected) => {
    expect(ago(iso, NOW)).toBe(expected);
  });
});

describe('boardState', () => {
  it.each([
    // why: the contract's word for "no result yet" is unknown; the API says pending
    ['pending', 'unknown'],
    ['up', 'up'],
    ['down', 'down'],
    // why: states later issues add pass through unchanged
    ['disabled', 'disabled'],
  ])('%s -> %s', (status, expected) => {
    expect(boardState(status)).toBe(expected);
  });
});

describe('labelsMatch', () => {
  const labels = { role: 'web', site: 'paris' };
  it.each([
    // why: an empty filter shows everything
    ['', labels, true],
    ['site=paris', labels, true],
    // why: every term must match
    ['site=paris role=db', labels, false],
    // why: commas separate terms as spaces do
    ['site=paris,role=web', labels, true],
    // why: a bare key asks only that the label exists
    ['role', labels, true],
    ['zone', labels, false],
    // why: an agent the API has not listed yet has no labels
    ['site=paris', undefined, false],
    // why: inherited properties are not labels
    ['toString', labels, false],
  ])('%j on %j -> %s', (selector, on, expected) => {
    expect(labelsMatch(selector, on)).toBe(expected);
  });
});
