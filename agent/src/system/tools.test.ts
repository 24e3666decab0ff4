import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeRunner } from './testing/fake-runner.js';
import { createLocator, systemRoot, windowsToolPath } from './tools.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pw-tools-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tool locator', () => {
  it('finds executables in the given directories only, in order', async () => {
    const [first, second] = [path.join(dir, 'sbin'), path.join(dir, 'bin')];
    await mkdir(first);
    await mkdir(second);
    await writeFile(path.join(second, 'nft'), '#!/bin/sh\n');
    await chmod(path.join(second, 'nft'), 0o755);
    await writeFile(path.join(first, 'ufw'), 'not executable');
    const locate = createLocator({ platform: 'linux', dirs: [first, second] });
    expect(await locate('nft')).toBe(path.join(second, 'nft'));
    expect(await locate('ufw')).toBeUndefined();
    expect(await locate('powershell')).toBeUndefined();
  });

  it('puts Windows tools under %SystemRoot%\\System32', () => {
    expect(windowsToolPath('powershell', 'D:\\WINNT')).toBe(
      'D:\\WINNT\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
    expect(windowsToolPath('shutdown')).toBe('C:\\Windows\\System32\\shutdown.exe');
    expect(windowsToolPath('icacls', 'D:\\My Windows')).toBe('D:\\My Windows\\System32\\icacls.exe');
    expect(windowsToolPath('taskkill')).toBe('C:\\Windows\\System32\\taskkill.exe');
  });

  const roots: [string, NodeJS.ProcessEnv, string][] = [
    ['the usual', { SystemRoot: 'C:\\Windows' }, 'C:\\Windows'],
    // Windows names variables in any case; a copied process.env no longer matches case-insensitively.
    ['upper case', { SYSTEMROOT: 'D:\\WINNT' }, 'D:\\WINNT'],
    ['with spaces', { SystemRoot: 'D:\\My Windows' }, 'D:\\My Windows'],
    ['unset', {}, 'C:\\Windows'],
    // A relative, share or %-expanding value could point at a writable place: the default instead.
    ['relative', { SystemRoot: 'Windows' }, 'C:\\Windows'],
    ['a share', { SystemRoot: '\\\\evil\\share' }, 'C:\\Windows'],
    ['unexpanded', { SystemRoot: 'C:\\%X%' }, 'C:\\Windows'],
  ];
  it.each(roots)('reads %%SystemRoot%% %s', (_, env, root) => {
    expect(systemRoot(env)).toBe(root);
  });

  it('locates Windows tools under a %SystemRoot% with spaces, by absolute path only', async () => {
    // On Linux nothing exists at a Windows path: the locator looks at exactly that one path.
    const locate = createLocator({ platform: 'win32', env: { systemroot: 'D:\\My Windows' } });
    expect(await locate('icacls')).toBeUndefined();
    expect(await locate('nft')).toBeUndefined();
  });
});

describe('the fake runner', () => {
  it('answers scripted commands in turn, repeats the last, records every call, and refuses the rest', async () => {
    const fake = createFakeRunner('linux');
    fake.on('/bin/x', ['a'], { stdout: 'one' }, { stdout: 'two', exitCode: 3 });
    const outputs = [];
    for (let i = 0; i < 3; i++) {
      const r = await fake.run({ file: '/bin/x', args: ['a'], timeoutMs: 10 });
      outputs.push([r.stdout.toString(), r.exitCode]);
    }
    expect(outputs).toEqual([
      ['one', 0],
      ['two', 3],
      ['two', 3],
    ]);
    await expect(fake.run({ file: '/bin/x', args: ['b'], timeoutMs: 10 })).rejects.toThrow(
      'unexpected command: ["/bin/x","b"]',
    );
    await expect(fake.run({ file: 'x', args: [], timeoutMs: 10 })).rejects.toThrow('is not absolute');
    expect(fake.argv()).toEqual([
      ['/bin/x', 'a'],
      ['/bin/x', 'a'],
      ['/bin/x', 'a'],
      ['/bin/x', 'b'],
    ]);
  });
});
