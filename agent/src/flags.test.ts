import os from 'node:os';
import { CommanderError } from 'commander';
import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './flags.js';

const quiet = { writeErr: () => {}, writeOut: () => {} };
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env, quiet);

function failure(argv: string[], env: NodeJS.ProcessEnv = {}): Error {
  try {
    parse(argv, env);
  } catch (err) {
    return err as Error;
  }
  throw new Error('command line was accepted');
}

describe('command line', () => {
  it('reads every flag', () => {
    const line = parse([
      '--controller',
      '127.0.0.1:7000,[::1]:7001',
      '--controller',
      'ctl:7002',
      '--name',
      'web-1',
      '--label',
      'role=web',
      '--label',
      'site=paris',
      '--state-dir',
      '/var/lib/pw',
      '--insecure',
      '--log-level',
      'debug',
    ]);
    expect(line).toEqual({
      agent: {
        controllers: ['127.0.0.1:7000', '[::1]:7001', 'ctl:7002'],
        name: 'web-1',
        labels: { role: 'web', site: 'paris' },
        stateDir: '/var/lib/pw',
      },
      logLevel: 'debug',
    });
  });

  it('falls back to the environment, then to defaults', () => {
    const env = {
      PORTWARDEN_CONTROLLER: 'a:1,b:2',
      PORTWARDEN_AGENT_LABELS: 'role=db, tier=1',
      LOG_LEVEL: 'warn',
    };
    expect(parse(['--insecure'], env)).toEqual({
      agent: {
        controllers: ['a:1', 'b:2'],
        name: os.hostname(),
        labels: { role: 'db', tier: '1' },
        stateDir: './.portwarden/agent',
      },
      logLevel: 'warn',
    });
    const flagsWin = parse(['--insecure', '--controller', 'c:3', '--name', 'x'], {
      ...env,
      PORTWARDEN_AGENT_NAME: 'y',
    });
    expect(flagsWin.agent).toMatchObject({ controllers: ['c:3'], name: 'x' });
  });

  // Each case: the arguments, then the one line the user sees; the comment says why it is refused.
  const invalid: [string, string[], RegExp][] = [
    // plaintext must be asked for until enrollment exists
    [
      'no --insecure',
      ['--controller', 'a:1'],
      /^mutual TLS enrollment is not available yet: it arrives with --enroll-token/,
    ],
    ['no controller', ['--insecure'], /^no controller address$/],
    [
      'a port out of range',
      ['--insecure', '--controller', 'a:70000'],
      /^invalid controller address "a:70000"$/,
    ],
    ['no port', ['--insecure', '--controller', 'ctl'], /^invalid controller address "ctl"$/],
    ['a label without =', ['--insecure', '--controller', 'a:1', '--label', 'web'], /^invalid label "web"/],
    [
      'an unknown log level',
      ['--insecure', '--controller', 'a:1', '--log-level', 'loud'],
      /^unknown log level "loud"$/,
    ],
  ];

  it.each(invalid)('refuses %s with a ConfigError and a hint', (_, argv, message) => {
    const error = failure(argv);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect((error as ConfigError).hint).toBeTruthy();
    expect(error.message).not.toContain('\n');
  });

  it('hints at --insecure when it is missing', () => {
    expect((failure(['--controller', 'a:1']) as ConfigError).hint).toMatch(/--insecure.*loopback/);
  });

  it('leaves unknown flags to commander, which exits with a usage error', () => {
    const error = failure(['--insecure', '--enroll-token', 'x']);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(1);
  });
});
