import { parseEnv } from 'node:util';
import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { envLine, mergeEnvText, parseEnvText, withEnvFile } from './env-file.js';

describe('envLine', () => {
  const cases: [string, string, string][] = [
    // Addresses, tokens, label lists and plain names need no quotes.
    ['an address list', 'a:7443,[::1]:7444', 'K=a:7443,[::1]:7444'],
    ['a label list', 'role=web,site=paris', 'K=role=web,site=paris'],
    ['a Windows path', 'C:\\ProgramData\\Portwarden', 'K=C:\\ProgramData\\Portwarden'],
    ['empty', '', 'K='],
    // A space would be trimmed and a # would start a comment: single quotes are literal.
    ['a space', 'web 1', "K='web 1'"],
    ['a hash', 'a#b', "K='a#b'"],
    ['a backslash-n, kept literally', 'a\\nb', 'K=a\\nb'],
    ['a space and a backslash-n', 'a \\n', "K='a \\n'"],
    ['a single quote', "it's", "K=`it's`"],
    ['single and backtick quotes', "it's `x`", 'K="it\'s `x`"'],
  ];
  it.each(cases)('writes %s so that util.parseEnv reads it back', (_, value, line) => {
    expect(envLine('K', value)).toBe(line);
    expect(parseEnv(`${line}\n`)).toEqual({ K: value });
  });

  it.each([
    ['a line break', 'a\nb', /line break/],
    ['every quote', 'a\'b"c`d', /every kind of quote/],
    ['single, backtick and a backslash', "a'b`c\\", /every kind of quote/],
  ])('refuses a value with %s', (_, value, message) => {
    expect(() => envLine('K', value)).toThrow(ConfigError);
    expect(() => envLine('K', value)).toThrow(message);
  });
});

describe('mergeEnvText', () => {
  const old = '# settings\r\nPORTWARDEN_CONTROLLER=old:1\r\nOTHER=x\r\nexport PORTWARDEN_AGENT_NAME=old\r\n';
  const cases: [string, string, Record<string, string | undefined>, string][] = [
    // Nothing new: the file is kept (line endings become \n).
    [
      'no values',
      old,
      {},
      '# settings\nPORTWARDEN_CONTROLLER=old:1\nOTHER=x\nexport PORTWARDEN_AGENT_NAME=old\n',
    ],
    // `--controller=` from an MSI run without CONTROLLER: the old address stays.
    [
      'an empty value',
      old,
      { PORTWARDEN_CONTROLLER: '', PORTWARDEN_AGENT_NAME: undefined },
      '# settings\nPORTWARDEN_CONTROLLER=old:1\nOTHER=x\nexport PORTWARDEN_AGENT_NAME=old\n',
    ],
    [
      'a replaced value and a new one',
      old,
      { PORTWARDEN_CONTROLLER: 'new:2', PORTWARDEN_AGENT_LABELS: 'a=b' },
      '# settings\nPORTWARDEN_CONTROLLER=new:2\nOTHER=x\nexport PORTWARDEN_AGENT_NAME=old\nPORTWARDEN_AGENT_LABELS=a=b\n',
    ],
    // parseEnv lets the last duplicate win: the merged file keeps just the new line.
    ['duplicates', 'A=1\nA=2\n', { A: '3' }, 'A=3\n'],
    ['an empty file', '', { A: 'x y' }, "A='x y'\n"],
    ['a file with a byte-order mark', '\uFEFFA=1', { B: '2' }, 'A=1\nB=2\n'],
  ];
  it.each(cases)('merges %s', (_, text, updates, merged) => {
    expect(mergeEnvText(text, updates)).toBe(merged);
    expect(parseEnvText(merged)).toEqual({ ...parseEnvText(text), ...withoutEmpty(updates) });
  });
});

describe('withEnvFile', () => {
  it('fills only what the real environment leaves unset or empty', () => {
    expect(withEnvFile({ A: 'env', B: '' }, { A: 'file', B: 'file', C: 'file' })).toEqual({
      A: 'env',
      B: 'file',
      C: 'file',
    });
  });
});

function withoutEmpty(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => !!e[1]));
}
