import { isatty } from 'node:tty';
import { pino, type Logger, type LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';

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
  /** Where lines go, always JSON. Tests pass a stream to read events back. */
  destination?: pino.DestinationStream;
  /**
   * Without `destination`: the console file descriptor lines go to, human-readable when it is a
   * terminal and JSON lines otherwise (see `consoleFormat`). @default 1 (stdout)
   */
  fd?: 1 | 2;
}

/** How console lines are written: for a person at a terminal, or for a machine. */
export type ConsoleFormat = 'pretty' | 'json';

/** env PORTWARDEN_LOG_FORMAT: `json` or `pretty` whatever the console is. */
export const LOG_FORMAT_ENV = 'PORTWARDEN_LOG_FORMAT';

/**
 * Pretty only for a terminal: a pipe, a file, journald, a service log or a test reads JSON lines,
 * one event each. PORTWARDEN_LOG_FORMAT=json|pretty overrides (any other value is ignored).
 */
export function consoleFormat(isTerminal: boolean, env: NodeJS.ProcessEnv): ConsoleFormat {
  const chosen = env[LOG_FORMAT_ENV]?.trim().toLowerCase();
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return isTerminal ? 'pretty' : 'json';
}

/** One JSON event per line (or one readable line on a terminal), secrets redacted, errors under `err`. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination) return pino(options, settings.destination);
  const fd = settings.fd ?? 1;
  if (consoleFormat(isatty(fd), process.env) === 'pretty') return pino(options, prettyStream(fd));
  // stderr synchronously, so that the last lines before an exit are not lost.
  return fd === 1 ? pino(options) : pino(options, pino.destination({ fd, sync: true }));
}

/**
 * `12:00:01.123 INFO (controller) [agent] message key=value`: one line per event, in this process
 * (no worker thread), synchronously, with colours unless NO_COLOR. Redaction happened before.
 */
function prettyStream(fd: number): pino.DestinationStream {
  return PinoPretty({
    destination: fd,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    messageFormat: '{if service}[{service}] {end}{msg}',
  });
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
