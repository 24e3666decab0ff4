import { describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { silentLogger } from '@portwarden/common/logger';
import { buildWindowsAgent } from './windows.js';
import { driveCPath, requireWine, toWindowsPath, wineEnv } from './wine.js';

describe('the Wine helpers', () => {
  it('say how to install Wine when it is not on the PATH', () => {
    expect(() => requireWine({ PATH: '/nonexistent' })).toThrow(ConfigError);
    expect(() => requireWine({ PATH: '/nonexistent' })).toThrow(/wine is not installed.*Wine/);
  });

  it('map Unix paths to the Z: drive, and C: paths into the prefix', () => {
    expect(toWindowsPath('/work/a b/c.json')).toBe('Z:\\work\\a b\\c.json');
    const prefix = { dir: '/tmp/pfx', env: wineEnv('/tmp/pfx') };
    expect(driveCPath(prefix, 'C:\\ProgramData\\Portwarden Test\\tls')).toBe(
      '/tmp/pfx/drive_c/ProgramData/Portwarden Test/tls',
    );
    expect(() => driveCPath(prefix, 'D:\\x')).toThrow(/not a path on C:/);
  });

  it('run every wine command quietly, in the private prefix, without Mono or Gecko prompts', () => {
    expect(wineEnv('/tmp/pfx')).toMatchObject({
      WINEPREFIX: '/tmp/pfx',
      WINEDEBUG: '-all',
      WINEDLLOVERRIDES: 'mscoree=;mshtml=',
    });
  });
});

describe('the Windows build', () => {
  it('refuses a signing certificate without its key, before building anything', async () => {
    await expect(buildWindowsAgent({ logger: silentLogger(), signCert: '/x/cert.pem' })).rejects.toThrow(
      /signing needs both a certificate and its key/,
    );
  });
});
