import ms from 'ms';
import { ConfigError } from './errors.js';

/**
 * Durations are written like `2m`, `10s`, `500ms`, `14d` at the edge (policy, flags) and are
 * milliseconds everywhere inside.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const value = DURATION_PATTERN.test(text.trim()) ? ms(text.trim() as ms.StringValue) : undefined;
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(
      `invalid ${what} "${text}"`,
      'write a positive number with a unit: 500ms, 10s, 2m, 1h, 14d',
    );
  }
  return value;
}

export const DURATION_PATTERN = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/;

/** `120000` -> `2m`, for display. */
export function formatDuration(millis: number): string {
  return ms(millis);
}
