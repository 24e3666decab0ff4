import { ConfigError } from '@portwarden/common/errors';
import { describe, expect, it } from 'vitest';
import { defaultStateDir, servicePaths, windowsDir } from './paths.js';

describe('service paths', () => {
  it.each([
    [{ ProgramData: 'C:\\ProgramData' }, 'C:\\ProgramData\\Portwarden'],
    [{ PROGRAMDATA: 'D:\\Data Files' }, 'D:\\Data Files\\Portwarden'],
    [{}, 'C:\\ProgramData\\Portwarden'],
    // Relative or empty: the documented default, never a directory relative to where the command ran.
    [{ ProgramData: 'ProgramData' }, 'C:\\ProgramData\\Portwarden'],
    [{ ProgramData: '' }, 'C:\\ProgramData\\Portwarden'],
  ])('puts the default state directory under %%ProgramData%% (%o)', (env, dir) => {
    expect(defaultStateDir(env)).toBe(dir);
  });

  it('builds the env file and log paths with backslashes, spaces kept', () => {
    expect(servicePaths('C:/Program Files/Portwarden State/')).toEqual({
      stateDir: 'C:\\Program Files\\Portwarden State',
      envFile: 'C:\\Program Files\\Portwarden State\\agent.env',
      logDir: 'C:\\Program Files\\Portwarden State\\logs',
    });
  });

  it.each([
    ['C:\\a\\..\\b', 'C:\\b'],
    ['C:\\a\\\\b\\\\', 'C:\\a\\b'],
    ['c:\\', 'c:\\'],
  ])('normalizes %s', (text, dir) => {
    expect(windowsDir(text, '--state-dir')).toBe(dir);
  });

  it.each([
    'Portwarden',
    '.\\state',
    '\\\\server\\share\\pw',
    'C:state',
    'C:\\%TEMP%\\pw',
    'C:\\a"b',
    'C:\\a\nb',
    '',
  ])('refuses %j', (text) => {
    expect(() => windowsDir(text, '--state-dir')).toThrow(ConfigError);
  });
});
