import type { Logger } from '@portwarden/common/logger';
import { SpoolError } from './errors.js';

const MiB = 1024 * 1024;

export interface SpoolOptions {
  /** The agent's state directory; the spool lives in `spool/` there. */
  dir: string;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * The most bytes of results kept on disk. An append that goes over drops results (acknowledged
   * ones, then the oldest periodic results, then the oldest state changes), counted in `gaps()`.
   * @default 256 MiB
   */
  maxBytes?: number;
  /** A segment file is closed, and a new one started, before it would grow past this. @default 4 MiB */
  segmentBytes?: number;
  /**
   * How far below `maxBytes` a full spool drops to, so that it rewrites old segments once per
   * this many bytes of new results, not on every append. 0 drops exactly the excess.
   * @default maxBytes / 16
   */
  headroomBytes?: number;
  /** Payload bytes of the newest results kept in memory, so sending them never reads the disk. @default 4 MiB */
  cacheBytes?: number;
}

export type Settings = Required<Omit<SpoolOptions, 'dir' | 'logger'>>;

/** Fills in the defaults and checks the values, in one place. */
export function spoolSettings(options: Omit<SpoolOptions, 'dir' | 'logger'>): Settings {
  const maxBytes = options.maxBytes ?? 256 * MiB;
  const settings: Settings = {
    maxBytes,
    segmentBytes: options.segmentBytes ?? 4 * MiB,
    headroomBytes: options.headroomBytes ?? Math.floor(maxBytes / 16),
    cacheBytes: options.cacheBytes ?? 4 * MiB,
  };
  for (const [key, value] of Object.entries(settings))
    if (!Number.isSafeInteger(value) || value < (key === 'maxBytes' || key === 'segmentBytes' ? 1 : 0))
      throw new SpoolError(`spool ${key} must be a whole number of bytes, got ${value}`);
  if (settings.headroomBytes >= maxBytes)
    throw new SpoolError(
      `spool headroomBytes (${settings.headroomBytes}) must be below maxBytes (${maxBytes})`,
    );
  return settings;
}
