import { parseDuration } from '../duration.js';
import { POLICY_DEFAULTS, type ResolvedResponse } from './resolved.js';
import type { ResponseDocument } from './schema.js';

type Key = (string | number)[];
type Issue = (key: Key, message: string) => void;

/**
 * A port check's `response:`, defaults filled in. Names and paths are checked here by the rules
 * every platform shares (the agent checks again by its own platform's, and refuses a config that
 * breaks them); nothing from the policy ever reaches a shell.
 */
export function resolveResponse(doc: ResponseDocument, issue: Issue): ResolvedResponse | undefined {
  const given = (['restartService', 'runProgram', 'reboot'] as const).filter((k) => doc[k] !== undefined);
  if (given.length !== 1) {
    issue(
      ['response'],
      given.length === 0
        ? 'name a response: restartService, runProgram or reboot: true'
        : `one response per check: ${given.join(' and ')} together`,
    );
    return undefined;
  }
  if (doc.timeout !== undefined && doc.restartService === undefined)
    issue(['response', 'timeout'], 'goes with restartService (runProgram takes its own timeout)');
  if (doc.restartService !== undefined) {
    const problem = serviceNameProblem(doc.restartService);
    if (problem) issue(['response', 'restartService'], problem);
    return { kind: 'restart-service', service: doc.restartService, timeoutMs: timeout(doc.timeout) };
  }
  if (doc.runProgram !== undefined) {
    const { path, args = [] } = doc.runProgram;
    const problem = programPathProblem(path);
    if (problem) issue(['response', 'runProgram', 'path'], problem);
    args.forEach((arg, i) => {
      if (arg.includes('\u0000'))
        issue(
          ['response', 'runProgram', 'args', i],
          'contains a NUL character, which no program can receive',
        );
    });
    return { kind: 'run-program', path, args, timeoutMs: timeout(doc.runProgram.timeout) };
  }
  return { kind: 'reboot' };
}

const timeout = (text: string | undefined) =>
  text === undefined ? POLICY_DEFAULTS.responseTimeoutMs : parseDuration(text);

/** Letters, digits and `_ . @ -`, plus `:` (systemd instances) and `$` (Windows instances). */
const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@:$-]*$/;

export function serviceNameProblem(name: string): string | undefined {
  if (name === '') return 'a service name is required';
  if (!SERVICE_NAME.test(name))
    return 'use letters, digits and _ . @ - : $, starting with a letter, digit or _';
  return undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Characters no program path needs on any platform; both agents refuse them. */
const DISALLOWED = /[;&|$`"'<>*?%^!~#{}[\]]/;

/** An absolute path (`/usr/local/bin/heal` or `C:\Tools\heal.exe`), written out in full. */
export function programPathProblem(file: string): string | undefined {
  if (file === '') return 'a program path is required';
  if (CONTROL.test(file)) return 'contains control characters';
  if (!file.startsWith('/') && !/^[A-Za-z]:\\/.test(file))
    return 'must be an absolute path, such as /usr/local/bin/heal or C:\\Tools\\heal.exe';
  if (file.split(/[\\/]/).some((s) => s === '.' || s === '..')) return 'must not have . or .. segments';
  const found = DISALLOWED.exec(file);
  if (found) return `contains ${JSON.stringify(found[0])}, which a program path never needs`;
  if (/\.(bat|cmd)$/i.test(file))
    return 'is a batch file: cmd.exe would interpret its arguments; run an .exe instead';
  return undefined;
}
