import { describe, expect, it } from 'vitest';
import { stopSignal } from './stop-signals.js';

describe('stopSignal', () => {
  const cases: [string, number | undefined, number, ReturnType<typeof stopSignal>][] = [
    ['the first signal stops', undefined, 5_000, 'stop'],
    ['the same Ctrl-C forwarded by npm is ignored', 5_000, 5_010, 'repeat'],
    ['just under a second later is still the same', 5_000, 5_999, 'repeat'],
    ['a second signal a second later exits at once', 5_000, 6_000, 'exit'],
  ];
  it.each(cases)('%s', (_why, firstAt, now, meaning) => {
    expect(stopSignal(firstAt, now)).toBe(meaning);
  });
});
