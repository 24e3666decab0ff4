import { describe, expect, it } from 'vitest';
import { INJECTION_CORPUS } from './testing/corpus.js';
import { splitWindowsCommandLine } from './testing/windows-argv.js';
import { quoteWindowsArg, windowsCommandLine } from './windows-args.js';

describe('Windows command lines (libuv quoting, Microsoft C runtime splitting)', () => {
  const cases: [string, string, string][] = [
    ['a plain word stays bare', 'PortwardenAgent', 'PortwardenAgent'],
    ['sc.exe option words stay two entries', 'start=', 'start='],
    ['empty becomes a pair of quotes', '', '""'],
    ['a space is quoted', 'Portwarden Agent', '"Portwarden Agent"'],
    [
      'a path with spaces keeps single backslashes',
      'C:\\Program Files\\Portwarden',
      '"C:\\Program Files\\Portwarden"',
    ],
    // Without the doubling, \" would escape the closing quote and swallow the next argument.
    [
      'a trailing backslash is doubled before the closing quote',
      'C:\\Program Files\\',
      '"C:\\Program Files\\\\"',
    ],
    ['a quote is escaped', 'say "hi"', '"say \\"hi\\""'],
    ['backslashes before a quote are doubled, plus one', 'a\\"b', '"a\\\\\\"b"'],
    ['backslashes elsewhere stay single when quoting is needed', 'a\\b c', '"a\\b c"'],
    ['a lone backslash path needs no quotes', 'C:\\ProgramData\\Portwarden', 'C:\\ProgramData\\Portwarden'],
  ];
  it.each(cases)('%s', (_, arg, quoted) => {
    expect(quoteWindowsArg(arg)).toBe(quoted);
    expect(splitWindowsCommandLine(`x.exe ${quoted}`)).toEqual(['x.exe', arg]);
  });

  it('shows the exact line icacls.exe gets for a state directory with spaces', () => {
    const line = windowsCommandLine('C:\\Windows\\System32\\icacls.exe', [
      'D:\\Portwarden State\\',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
    ]);
    expect(line).toBe(
      'C:\\Windows\\System32\\icacls.exe "D:\\Portwarden State\\\\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F',
    );
  });

  it('shows the exact line sc.exe gets for a display name and a %SystemRoot% with spaces', () => {
    const line = windowsCommandLine('D:\\My Windows\\System32\\sc.exe', [
      'config',
      'PortwardenAgent',
      'DisplayName=',
      'Portwarden Agent',
    ]);
    expect(line).toBe(
      '"D:\\My Windows\\System32\\sc.exe" config PortwardenAgent DisplayName= "Portwarden Agent"',
    );
    expect(splitWindowsCommandLine(line)).toEqual([
      'D:\\My Windows\\System32\\sc.exe',
      'config',
      'PortwardenAgent',
      'DisplayName=',
      'Portwarden Agent',
    ]);
  });

  it('hands every string of the injection corpus back unchanged, one argv entry each', () => {
    const args = [...INJECTION_CORPUS.filter((s) => s.length < 1000), '', ' ', '\\', '\\\\', '"', 'a b\\\\'];
    const line = windowsCommandLine('C:\\Program Files\\Portwarden\\portwarden-agent.exe', args);
    expect(splitWindowsCommandLine(line)).toEqual([
      'C:\\Program Files\\Portwarden\\portwarden-agent.exe',
      ...args,
    ]);
  });
});
