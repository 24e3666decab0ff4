import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitWindowsCommandLine } from '../system/testing/windows-argv.js';
import { windowsCommandLine } from '../system/windows-args.js';
import {
  icaclsLockArgs,
  parseServiceAccount,
  parseServiceQuery,
  scAccountCommand,
  scErrorCode,
  ScError,
  serviceSettingsCommands,
  type ServiceQuery,
} from './sc.js';

const testdata = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url));
const result = (name: string, exitCode = 0) => ({
  exitCode,
  stdout: testdata(name),
  stderr: Buffer.alloc(0),
});

describe('sc.exe query', () => {
  const cases: [string, number, ServiceQuery][] = [
    ['sc-query.running.txt', 0, { installed: true, state: 'RUNNING' }],
    ['sc-query.stopped.txt', 0, { installed: true, state: 'STOPPED' }],
    ['sc-query.start-pending.txt', 0, { installed: true, state: 'START_PENDING' }],
    ['sc-query.stop-pending.txt', 0, { installed: true, state: 'STOP_PENDING' }],
    // Recorded from Wine 8's sc.exe (the e2e test runs the agent's status against it).
    ['sc-query.running.wine8.txt', 0, { installed: true, state: 'RUNNING' }],
    // sc.exe exits with the Win32 error; the text says it too.
    ['sc-query.not-installed.rc1060.txt', 1060, { installed: false }],
    // The exit code alone is enough (a wrapper that lost it would still print FAILED 1060).
    ['sc-query.not-installed.rc1060.txt', 0, { installed: false }],
  ];
  it.each(cases)('reads %s (exit %i)', (name, exitCode, expected) => {
    expect(parseServiceQuery(result(name, exitCode))).toEqual(expected);
  });

  it('reads the state by its number, whatever language the labels are in', () => {
    const german = testdata('sc-query.running.txt').toString('latin1').replace('STATE      ', 'STATUS     ');
    expect(
      parseServiceQuery({ exitCode: 0, stdout: Buffer.from(german, 'latin1'), stderr: Buffer.alloc(0) }),
    ).toEqual({
      installed: true,
      state: 'RUNNING',
    });
  });

  it('refuses other errors and output it cannot read, with what sc.exe said', () => {
    expect(() => parseServiceQuery(result('sc-start.access-denied.rc5.txt', 5))).toThrow(
      'sc.exe query PortwardenAgent failed with error 5: [SC] OpenService FAILED 5: Access is denied.',
    );
    expect(() =>
      parseServiceQuery({ exitCode: 0, stdout: Buffer.from('hello'), stderr: Buffer.alloc(0) }),
    ).toThrow(ScError);
    // Wine 8's sc.exe on a missing service: exit 1, nothing printed. Windows says 1060; an error
    // without a number is not taken for "not installed".
    expect(() =>
      parseServiceQuery({ exitCode: 1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }),
    ).toThrow('sc.exe query PortwardenAgent failed with error 1: (nothing)');
  });

  it('finds the error in the exit code, else in FAILED n', () => {
    expect(scErrorCode(result('sc-start.already-running.rc1056.txt', 1056))).toBe(1056);
    expect(scErrorCode(result('sc-stop.not-started.rc1062.txt', 0))).toBe(1062);
    expect(scErrorCode(result('sc-query.running.txt', 0))).toBe(0);
  });
});

describe('sc.exe qc', () => {
  it.each([
    ['sc-qc.localsystem.txt', 'LocalSystem'],
    ['sc-qc.local-account.txt', '.\\svc-portwarden'],
  ])('reads the account of %s', (name, account) => {
    expect(parseServiceAccount(testdata(name).toString('latin1'))).toBe(account);
  });
});

describe('argument vectors', () => {
  it('sets delayed automatic start, restart after 10 s three times, reset after a day, failure flag', () => {
    expect(serviceSettingsCommands()).toEqual([
      ['config', 'PortwardenAgent', 'start=', 'delayed-auto'],
      [
        'failure',
        'PortwardenAgent',
        'reset=',
        '86400',
        'actions=',
        'restart/10000/restart/10000/restart/10000',
      ],
      ['failureflag', 'PortwardenAgent', '1'],
    ]);
  });

  it('gives sc.exe each option and its value as two words, as it wants them', () => {
    const [config] = serviceSettingsCommands();
    expect(windowsCommandLine('C:\\Windows\\System32\\sc.exe', config!)).toBe(
      'C:\\Windows\\System32\\sc.exe config PortwardenAgent start= delayed-auto',
    );
  });

  it('sets the account, with a password only when one is given', () => {
    expect(scAccountCommand(undefined)).toEqual(['config', 'PortwardenAgent', 'obj=', 'LocalSystem']);
    expect(scAccountCommand('CORP\\svc pw', 'p a"ss')).toEqual([
      'config',
      'PortwardenAgent',
      'obj=',
      'CORP\\svc pw',
      'password=',
      'p a"ss',
    ]);
    const line = windowsCommandLine(
      'C:\\Windows\\System32\\sc.exe',
      scAccountCommand('CORP\\svc pw', 'p a"ss'),
    );
    expect(line).toBe(
      'C:\\Windows\\System32\\sc.exe config PortwardenAgent obj= "CORP\\svc pw" password= "p a\\"ss"',
    );
  });

  it('locks the state directory to SYSTEM, Administrators and the service account', () => {
    expect(icaclsLockArgs('C:\\ProgramData\\Portwarden')).toEqual([
      'C:\\ProgramData\\Portwarden',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '*S-1-5-32-544:(OI)(CI)F',
    ]);
    const args = icaclsLockArgs('D:\\Portwarden State', 'NT AUTHORITY\\NetworkService');
    const line = windowsCommandLine('C:\\Windows\\System32\\icacls.exe', args);
    expect(line).toBe(
      'C:\\Windows\\System32\\icacls.exe "D:\\Portwarden State" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F "NT AUTHORITY\\NetworkService:(OI)(CI)M"',
    );
    expect(splitWindowsCommandLine(line).slice(1)).toEqual(args);
  });
});
