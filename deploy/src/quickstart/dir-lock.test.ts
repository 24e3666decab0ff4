import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import { lockDir } from './dir-lock.js';

describe('lockDir', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pw-lock-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('admits one holder at a time, and the next after release', async () => {
    const dir = join(root, 'a', 'pgdata');
    const lock = await lockDir(dir);
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockDir(dir)).rejects.toThrow(ConfigError);
    await expect(lockDir(dir)).rejects.toThrow(`${dir} is in use by process ${process.pid}`);
    await lock.release();
    const again = await lockDir(dir);
    await again.release();
  });

  it('refuses a directory held by another live process', async () => {
    const dir = join(root, 'b');
    await writeFile(`${dir}.lock`, `${process.ppid}\n`);
    await expect(lockDir(dir)).rejects.toThrow(`is in use by process ${process.ppid}`);
  });

  it.each([
    ['a process that has exited', () => String(spawnSync(process.execPath, ['-e', '']).pid)],
    ['an earlier run with our own pid (containers reuse pids)', () => String(process.pid)],
    ['garbage', () => 'not a pid'],
  ])('takes over a lock left by %s', async (_what, owner) => {
    const dir = join(root, `stale-${Math.random().toString(36).slice(2)}`);
    await writeFile(`${dir}.lock`, `${owner()}\n`);
    const lock = await lockDir(dir);
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });
});
