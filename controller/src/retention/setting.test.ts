import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { parseResultsRetention } from './setting.js';

describe('--results-retention', () => {
  const good: [string, number][] = [
    // why: the default
    ['30d', 30],
    // why: the shortest: one whole day partition
    ['1d', 1],
    // why: a year, and the longest
    ['365d', 365],
    ['3650d', 3650],
    // why: spaces around a flag's value from the environment are not an error
    [' 7d ', 7],
  ];
  it.each(good)('%j is %i days', (text, days) => expect(parseResultsRetention(text)).toBe(days));

  const bad = [
    // why: partitions are whole days: hours or minutes could not be kept to
    '12h',
    '90m',
    // why: a unit is required; weeks and fractions are not days
    '30',
    '2w',
    '1.5d',
    // why: at least one day; nothing is not a retention
    '0d',
    '-1d',
    '',
    // why: beyond ten years is a typo rather than an intent
    '3651d',
    '99999d',
    'thirty days',
  ];
  it.each(bad)('%j is refused with a hint', (text) => {
    const error = (() => {
      try {
        parseResultsRetention(text);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`invalid --results-retention "${text}"`);
    expect((error as ConfigError).hint).toMatch(/whole days from 1d/);
  });
});
