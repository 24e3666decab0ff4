import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths that may hold secrets; pino replaces their values before a line is written. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'enrollToken',
  '*.enrollToken',
  '*.*.enrollToken',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'key',
  '*.privateKey',
  'keyPem',
  '*.keyPem',
  'databaseUrl',
  '*.databaseUrl',
  'redisUrl',
  '*.redisUrl',
];

export interface LoggerSettings {
  /** @default 'info' (or LOG_LEVEL) */
  level?: string;
  /** Process name in every line, for example `controller`. */
  name: string;
  /** Where lines go; default stdout. Tests pass a stream to read events back. */
  destination?: pino.DestinationStream;
}

/** One JSON event per line, secrets redacted, errors under `err`. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
