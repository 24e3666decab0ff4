import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '@portwarden/common/errors';

export interface DirLock {
  /** The lock file; removed by `release()`. */
  path: string;
  release(): Promise<void>;
}

/**
 * An exclusive, process-wide lock on a directory, as a `<dir>.lock` file beside it holding the
 * owner's pid. PGlite itself does not lock its data directory: two processes that open the same one
 * both write to it. A lock left by a process that no longer runs (or by an earlier run that had our pid, as happens
 * in containers) is taken over.
 */
/** Locks held by this process: a lock file with our own pid that is not here is a stale one. */
const held = new Set<string>();

export async function lockDir(dir: string): Promise<DirLock> {
  const path = `${dir}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      held.add(path);
      return {
        path,
        async release() {
          held.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await lockOwner(path);
      const inUse = owner === process.pid ? held.has(path) : owner !== undefined && isAlive(owner);
      if (inUse) {
        throw new ConfigError(
          `${dir} is in use by process ${owner}`,
          'stop the other quick start first, or point PORTWARDEN_HOME at another directory',
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new ConfigError(`cannot lock ${dir}`, `remove ${path} if no quick start is running`);
}

async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
