import { describe, expect, it } from 'vitest';
import { INJECTION_CORPUS } from './testing/corpus.js';
import {
  argumentsProblem,
  checkCommand,
  InvalidCommandError,
  LIMITS,
  programPathProblem,
  rulesFileProblem,
  serviceNameProblem,
} from './validate.js';

describe('service names', () => {
  it.each([
    'nginx',
    'nginx.service',
    'getty@tty1.service',
    'postgresql@15-main.service',
    'user-1000.slice',
    'a:b',
  ])('accepts the Linux unit name %j', (name) => expect(serviceNameProblem(name, 'linux')).toBeUndefined());

  it.each(['W3SVC', 'MpsSvc', 'MSSQL$SQLEXPRESS', 'Tomcat9', 'wuauserv'])(
    'accepts the Windows service name %j',
    (name) => expect(serviceNameProblem(name, 'win32')).toBeUndefined(),
  );

  it.each(['linux', 'win32'] as const)('refuses every string of the injection corpus on %s', (platform) => {
    for (const name of INJECTION_CORPUS) {
      expect(serviceNameProblem(name, platform), JSON.stringify(name.slice(0, 40))).toMatch(/service name/);
    }
  });

  it.each([
    ['', 'linux', 'a service name is required'],
    ['-nginx', 'linux', 'starting with a letter, digit or _'], // would be read as an option
    ['MSSQL$X', 'linux', 'invalid service name'], // $ only where it reaches no shell: Windows
    ['a:b', 'win32', 'invalid service name'],
    ['a'.repeat(LIMITS.serviceName + 1), 'linux', 'at most 256'],
    [42, 'linux', 'a service name is required'],
  ] as const)('refuses %j on %s', (name, platform, message) => {
    expect(serviceNameProblem(name, platform)).toContain(message);
  });
});

describe('program paths', () => {
  it.each([
    ['/usr/local/bin/heal', 'linux'],
    ['/opt/vendor/bin/restart-web.sh', 'linux'],
    ['C:\\Tools\\heal.exe', 'win32'],
    ['C:\\Program Files (x86)\\Vendor\\heal.exe', 'win32'],
  ] as const)('accepts %j on %s', (file, platform) => {
    expect(programPathProblem(file, platform)).toBeUndefined();
  });

  it.each([
    ['heal', 'linux', 'not absolute'],
    ['./heal', 'linux', 'not absolute'],
    ['/usr/local/bin/../../bin/sh', 'linux', '. or .. segments'],
    ['/usr/bin/heal;id', 'linux', 'contains ";"'],
    ['/usr/bin/$(id)', 'linux', 'contains "$"'],
    ['/usr/bin/heal\nid', 'linux', 'control characters'],
    ['/opt/my tool', 'linux', 'contains " "'],
    ['%COMSPEC%', 'win32', 'not absolute'],
    ['C:\\Windows\\%COMSPEC%', 'win32', 'contains "%"'],
    ['C:\\Tools\\heal.exe & calc', 'win32', 'contains "&"'],
    ['\\\\server\\share\\heal.exe', 'win32', 'not absolute'], // no network shares
    ['heal.exe', 'win32', 'not absolute'],
    ['C:\\Tools\\heal.bat', 'win32', 'batch file'],
    ['C:\\Tools\\HEAL.CMD', 'win32', 'batch file'],
    ['C:/Tools/heal.exe', 'win32', 'not absolute'],
  ] as const)('refuses %j on %s', (file, platform, message) => {
    expect(programPathProblem(file, platform)).toContain(message);
  });

  it('refuses relative and dotted rules files', () => {
    expect(rulesFileProblem('/etc/nftables.conf')).toBeUndefined();
    expect(rulesFileProblem('nftables.conf')).toContain('not an absolute path');
    expect(rulesFileProblem('/etc/../tmp/x')).toContain('. or ..');
    expect(rulesFileProblem('')).toContain('no rules file');
  });
});

describe('arguments', () => {
  it.each(['linux', 'win32'] as const)(
    'passes every string of the injection corpus on %s, one at a time',
    (platform) => {
      for (const arg of INJECTION_CORPUS) {
        if (platform === 'win32' && arg.length > LIMITS.totalWindows) continue; // too long for a command line, see below
        expect(argumentsProblem([arg], platform), JSON.stringify(arg.slice(0, 40))).toBeUndefined();
      }
    },
  );

  it.each([
    [['a\u0000b'], 'linux', 'NUL character'],
    [['x'.repeat(LIMITS.argument + 1)], 'linux', 'at most 32768'],
    [Array.from({ length: 257 }, () => 'a'), 'linux', 'at most 256 arguments'],
    [Array.from({ length: 4 }, () => 'x'.repeat(9_000)), 'win32', 'at most 30000'],
    [[1], 'linux', 'argument 0 is not a string'],
    ['--force', 'linux', 'must be a list'],
  ] as const)('refuses %#: %s', (args, platform, message) => {
    expect(argumentsProblem(args, platform)).toContain(message);
  });
});

describe('checkCommand', () => {
  it('throws an InvalidCommandError naming the problem', () => {
    const run = () => checkCommand({ file: 'sh', args: ['-c', 'id'], timeoutMs: 1000 }, 'linux');
    expect(run).toThrow(InvalidCommandError);
    expect(run).toThrow('refused to run sh: program path "sh" is not absolute');
  });

  it.each([
    [{ file: '/bin/true', args: [], timeoutMs: 0 }, 'timeout must be 1 ms to 24 h'],
    [{ file: '/bin/true', args: [], timeoutMs: Number.NaN }, 'timeout must be 1 ms to 24 h'],
    [
      { file: '/bin/true', args: [], timeoutMs: 10, env: { 'A=B': 'x' } },
      'invalid environment variable name',
    ],
    [{ file: '/bin/true', args: [], timeoutMs: 10, env: { A: 'x\u0000' } }, 'without NUL'],
  ])('refuses %#', (cmd, message) => {
    expect(() => checkCommand(cmd, 'linux')).toThrow(message);
  });
});
