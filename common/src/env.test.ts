import { describe, expect, it } from 'vitest';
import { envYes } from './env.js';

describe('envYes', () => {
  // [value, on?, why]
  const cases: [string | undefined, boolean, string][] = [
    ['1', true, 'the documented way'],
    ['true', true, 'what people also write'],
    ['YES', true, 'any case'],
    [' 1 ', true, 'stray blanks from an env file'],
    [undefined, false, 'unset'],
    ['', false, 'empty counts as unset'],
    ['0', false, 'an explicit no'],
    ['false', false, 'same'],
    ['on', false, 'only the three words: a typo must not turn a safety off'],
  ];
  it.each(cases)('%s -> %s (%s)', (value, on) => {
    expect(envYes(value)).toBe(on);
  });
});
