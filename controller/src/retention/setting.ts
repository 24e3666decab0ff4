import { ConfigError } from '@portwarden/common/errors';

export const DEFAULT_RETENTION_DAYS = 30;
/** Ten years: beyond it a typo (3000d for 30d) is likelier than an intent. */
const MAX_RETENTION_DAYS = 3650;

/**
 * `--results-retention 30d`: whole days, since whole day partitions are dropped (`12h` could not
 * be kept to), at least one.
 */
export function parseResultsRetention(text: string): number {
  const match = /^(\d{1,5})d$/.exec(text.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= 1 && days <= MAX_RETENTION_DAYS))
    throw new ConfigError(
      `invalid --results-retention "${text}"`,
      `write whole days from 1d to ${MAX_RETENTION_DAYS}d, e.g. 30d (the default): results are dropped a day at a time`,
    );
  return days;
}
