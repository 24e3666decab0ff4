import { ConfigError } from '@portwarden/common/errors';
import { parseDuration } from '@portwarden/common/duration';

/** A whole number in [min, max], or a ConfigError naming the flag. */
export function intFlag(text: string, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(
      `${flag} must be a whole number from ${min} to ${max}, not "${text}"`,
      `for example ${flag} ${min}`,
    );
  return n;
}

/** A fraction in [0, 1]: `0.02` or `2%`. */
export function rateFlag(text: string, flag: string): number {
  const percent = text.trim().endsWith('%');
  const n = Number(percent ? text.trim().slice(0, -1) : text) / (percent ? 100 : 1);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new ConfigError(
      `${flag} must be a fraction from 0 to 1 or a percentage, not "${text}"`,
      `for example ${flag} 0.02 or ${flag} 2%`,
    );
  return n;
}

export function durationFlag(text: string, flag: string): number {
  return parseDuration(text, flag);
}

/**
 * How long the hellos are spread over when not told: about one per millisecond, at least one
 * second, at most thirty (a controller records each connect in the database).
 */
export function defaultRampMs(agents: number): number {
  return Math.min(30_000, Math.max(1_000, agents));
}
