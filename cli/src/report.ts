import { CommanderError } from 'commander';
import { formatPolicyIssue, PolicyError, PortwardenError } from '@portwarden/common/errors';
import { ApiError } from './client.js';
import { CertificateMismatchError } from './pinned.js';

/**
 * The CLI's exit codes, as the README promises: 0 done, 1 a failed action (a check that is down,
 * the controller failing), 2 a problem the user can fix (usage, an unknown command or option, a
 * missing file or flag, a refused token, a request the controller rejected).
 */
export const CLI_EXIT = { OK: 0, FAILED: 1, FIXABLE: 2 } as const;

/** Node's errors that a user fixes by pointing at something else (a file, a directory). */
const FIXABLE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM']);

/** The exit code of a failure: the one place the CLI decides it. */
export function exitCodeOf(err: unknown): number {
  // Commander has printed its message (or the help, or the version) already.
  if (err instanceof CommanderError) return err.exitCode === 0 ? CLI_EXIT.OK : CLI_EXIT.FIXABLE;
  // The controller failed (5xx, a gateway's timeout): nothing to fix on this side.
  if (err instanceof ApiError) return err.status >= 500 ? CLI_EXIT.FAILED : CLI_EXIT.FIXABLE;
  if (err instanceof PortwardenError) return CLI_EXIT.FIXABLE;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && FIXABLE_CODES.has(code) ? CLI_EXIT.FIXABLE : CLI_EXIT.FAILED;
}

/** Errors become text here, and only here, for the CLI: never a stack trace. */
export function describeError(err: unknown): string {
  // No or not enough credentials: one line saying what to do.
  if (
    (err instanceof ApiError && (err.status === 401 || err.status === 403)) ||
    err instanceof CertificateMismatchError
  )
    return `portwarden: ${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}\n`;
  if (err instanceof PolicyError) return `portwarden: ${err.message}\n  hint: ${err.hint}\n`;
  if (err instanceof ApiError && err.issues.length > 0) {
    return `portwarden: ${err.message}\n${err.issues.map(formatPolicyIssue).join('\n')}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`;
  }
  if (err instanceof PortwardenError)
    return `portwarden: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`;
  const message = err instanceof Error ? err.message : String(err);
  // An unexpected failure: its message, and where to look for more, in one line.
  return `portwarden: ${message.split('\n')[0]} (hint: PORTWARDEN_DEBUG=1 prints the stack trace)\n${
    process.env.PORTWARDEN_DEBUG && err instanceof Error && err.stack ? `${err.stack}\n` : ''
  }`;
}
