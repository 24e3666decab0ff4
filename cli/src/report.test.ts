import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError, PolicyError } from '@portwarden/common/errors';
import { ApiError, UnreachableError } from './client.js';
import { describeError, exitCodeOf } from './report.js';

const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });

describe('exitCodeOf', () => {
  it.each([
    // why: --help and --version are done, not failures
    { err: new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), code: 0 },
    // why: commander's unknown option / command exit 1 by default; a usage error is fixable: 2
    { err: new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), code: 2 },
    // why: a missing required option such as --agent is usage too
    { err: new CommanderError(1, 'commander.missingMandatoryOptionValue', 'required'), code: 2 },
    // why: a flag or file the user gave is wrong
    { err: new ConfigError('cannot read x'), code: 2 },
    // why: a rejected policy is fixed by editing it
    { err: new PolicyError([{ path: 'checks', message: 'bad' }]), code: 2 },
    // why: the controller refused the request (bad token, unknown id, conflict): fixable on this side
    { err: new ApiError(404, 'not-found', 'no incident 9'), code: 2 },
    // why: the controller itself failed: a failed action, nothing to fix here
    { err: new ApiError(500, 'internal', 'boom'), code: 1 },
    // why: a controller that is not running is started, or --url corrected
    { err: new UnreachableError('http://127.0.0.1:1', new Error('refused')), code: 2 },
    // why: a file that is not there is a problem the user fixes
    { err: enoent, code: 2 },
    // why: anything unforeseen is a failed action
    { err: new TypeError('x is undefined'), code: 1 },
  ])('$err.message -> $code', ({ err, code }) => {
    expect(exitCodeOf(err)).toBe(code);
  });
});

describe('describeError', () => {
  it('prints an unforeseen error as one line with a hint, never its stack', () => {
    const text = describeError(new TypeError('x is undefined\nmore'));
    expect(text).toBe('portwarden: x is undefined (hint: PORTWARDEN_DEBUG=1 prints the stack trace)\n');
    expect(text).not.toMatch(/^\s+at /m);
  });

  it('prints a typed error with its hint', () => {
    expect(describeError(new ConfigError('no policy file given', 'apply FILE'))).toBe(
      'portwarden: no policy file given\n  hint: apply FILE\n',
    );
  });
});
