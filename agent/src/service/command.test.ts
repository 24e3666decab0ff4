import { CommanderError } from 'commander';
import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { createFakeRunner, fakeLocate } from '../system/testing/fake-runner.js';
import { parseServiceCommandLine, serviceMain } from './command.js';
import type { ServiceDeps } from './service.js';
import { memoryFiles } from './testing/memory-files.js';

const output: string[] = [];
const quiet = {
  writeErr: (text: string) => void output.push(text),
  writeOut: (text: string) => void output.push(text),
};
const parse = (argv: string[]) => parseServiceCommandLine(argv, quiet);

describe('service command line', () => {
  it.each([
    [['status'], { command: 'status' }],
    [['start'], { command: 'start' }],
    [['stop'], { command: 'stop' }],
    [['uninstall'], { command: 'uninstall', options: {} }],
    [
      [
        'install',
        '--state-dir',
        'D:\\Portwarden State',
        '--account',
        'CORP\\svc',
        '--password-file',
        'C:\\pw.txt',
      ],
      {
        command: 'install',
        options: { stateDir: 'D:\\Portwarden State', account: 'CORP\\svc', passwordFile: 'C:\\pw.txt' },
      },
    ],
    // What the MSI passes: every property, empty ones as `--x=`.
    [
      [
        'configure',
        '--controller=ctl:7443',
        '--enroll-token=',
        '--name=',
        '--labels=',
        '--state-dir=C:\\ProgramData\\Portwarden\\',
      ],
      {
        command: 'configure',
        options: {
          controller: 'ctl:7443',
          enrollToken: '',
          name: '',
          labels: '',
          stateDir: 'C:\\ProgramData\\Portwarden\\',
        },
      },
    ],
  ])('reads %j', (argv, command) => {
    expect(parse(argv)).toEqual(command);
  });

  it.each([[[]], [['restart']], [['status', '--json']], [['install', '--acount', 'x']]])(
    'leaves %j to commander: a usage error',
    (argv) => {
      expect(() => parse(argv)).toThrow(CommanderError);
    },
  );

  it('documents the exit statuses in --help', () => {
    output.length = 0;
    expect(() => parse(['--help'])).toThrow(CommanderError);
    expect(output.join('')).toContain('3 status: installed, not running; 4 not installed');
  });
});

describe('serviceMain', () => {
  const deps = (
    platform: NodeJS.Platform,
    errors: string[],
  ): ServiceDeps & { writeError(t: string): void } => {
    const fake = createFakeRunner('win32').on('C:\\sc.exe', ['start', 'PortwardenAgent'], {
      exitCode: 1060,
      stdout:
        '[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n',
    });
    return {
      system: { run: fake.run, locate: fakeLocate({ sc: 'C:\\sc.exe' }), platform },
      files: memoryFiles(),
      env: {},
      write: () => {},
      writeError: (text) => errors.push(text),
      wait: { now: () => 0, sleep: async () => {}, timeoutMs: 1, everyMs: 1 },
    };
  };

  it('prints a service failure on one line and exits with its status', async () => {
    const errors: string[] = [];
    expect(await serviceMain(['start'], deps('win32', errors))).toBe(4);
    expect(errors).toEqual([
      'portwarden-agent: the PortwardenAgent service is not installed; install it: portwarden-agent service install\n',
    ]);
  });

  it('throws a ConfigError (exit 2 in main) on another platform', async () => {
    await expect(serviceMain(['status'], deps('linux', []))).rejects.toBeInstanceOf(ConfigError);
  });
});
