import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { describeFailure } from './report.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('describeFailure', () => {
  it.each([
    // why: --version and --help are done; commander printed them
    { err: new CommanderError(0, 'commander.version', '0.1.0'), exitCode: 0, text: '' },
    // why: an unknown option is usage, fixable: 2 (commander's default would be 1)
    { err: new CommanderError(1, 'commander.unknownOption', 'x'), exitCode: 2, text: '' },
    // why: a configuration error names its fix
    {
      err: new ConfigError('no CA key', 'pass --ca-key-file'),
      exitCode: 2,
      text: 'portwarden-controller: no CA key\n  hint: pass --ca-key-file\n',
    },
    // why: a database that does not exist reaches here as store/db.ts's ConfigError, with createdb
    {
      err: new ConfigError('PostgreSQL at db:5432 has no database "pw"', 'create it once with `createdb pw`'),
      exitCode: 2,
      text: 'portwarden-controller: PostgreSQL at db:5432 has no database "pw"\n  hint: create it once with `createdb pw`\n',
    },
    // why: a wrong password is fixed in the URL
    {
      err: pgError('28P01', 'password authentication failed for user "x"'),
      exitCode: 2,
      text: 'portwarden-controller: PostgreSQL: password authentication failed for user "x"\n  hint: check the user and password in --database-url\n',
    },
    // why: PostgreSQL down is an outage, not a usage problem: 1, with what to start
    {
      err: pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      exitCode: 1,
      text: 'portwarden-controller: cannot connect: connect ECONNREFUSED 127.0.0.1:5432\n  hint: start PostgreSQL (and Redis, with --redis-url) or correct --database-url / --redis-url\n',
    },
    // why: anything else: its first line only, never a stack trace
    {
      err: new Error('boom\n    at x (y.js:1:1)'),
      exitCode: 1,
      text: 'portwarden-controller: boom\n  hint: LOG_LEVEL=debug and the log above say more\n',
    },
  ])('$err.message', ({ err, exitCode, text }) => {
    expect(describeFailure(err)).toEqual({ exitCode, text });
  });
});
