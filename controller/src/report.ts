import { CommanderError } from 'commander';
import { PortwardenError } from '@portwarden/common/errors';

export interface Failure {
  /** One line (and a hint line), never a stack trace. */
  text: string;
  /** 2 a problem the operator fixes (usage, configuration, a missing database), 1 anything else. */
  exitCode: number;
}

/**
 * PostgreSQL's SQLSTATEs the operator fixes, each with its fix. A database that does not exist
 * is told at start by store/db.ts (`databaseStartError`, with the whole createdb command).
 */
const POSTGRES_FIXES: Record<string, (err: Error) => string> = {
  // invalid_authorization_specification, invalid_password
  '28000': () => 'check the user and password in --database-url, and pg_hba.conf',
  '28P01': () => 'check the user and password in --database-url',
};

/**
 * How the controller's start failed, for its one line on stderr: the one place this binary turns
 * an error into text and an exit code.
 */
export function describeFailure(err: unknown): Failure {
  // Commander printed its message (usage, help, version) already.
  if (err instanceof CommanderError) return { text: '', exitCode: err.exitCode === 0 ? 0 : 2 };
  if (err instanceof PortwardenError) return { text: line(err.message, err.hint), exitCode: 2 };
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  const fix = databaseFix(error);
  if (fix) return { text: line(`PostgreSQL: ${error.message}`, fix), exitCode: 2 };
  if (code === 'ECONNREFUSED')
    return {
      text: line(
        `cannot connect: ${error.message}`,
        'start PostgreSQL (and Redis, with --redis-url) or correct --database-url / --redis-url',
      ),
      exitCode: 1,
    };
  return { text: line(firstLine(error), 'LOG_LEVEL=debug and the log above say more'), exitCode: 1 };
}

/**
 * The fix for a PostgreSQL refusal the operator can act on (a database that does not exist, a
 * wrong password), or undefined; the quick start uses it too, with an external DATABASE_URL.
 */
export function databaseFix(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? undefined : POSTGRES_FIXES[code]?.(err);
}

function line(message: string, hint: string | undefined): string {
  return `portwarden-controller: ${message}${hint ? `\n  hint: ${hint}` : ''}\n`;
}

function firstLine(err: Error): string {
  const message = err.message || err.name;
  return message.split('\n')[0]!;
}
