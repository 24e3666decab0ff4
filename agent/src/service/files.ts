import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';

/**
 * The file operations the service commands need. Behind an interface because the paths are
 * Windows paths (`C:\ProgramData\...`), which tests on Linux keep in memory (service/testing).
 */
export interface ServiceFiles {
  /** The file's text; undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
  /** The file's bytes; undefined when it does not exist. */
  readBytes(file: string): Promise<Uint8Array | undefined>;
  /** Replaces the file whole: written beside it, then renamed over it. */
  write(file: string, data: string | Uint8Array): Promise<void>;
  /** Creates the directory and its parents; an existing one is fine. */
  mkdir(dir: string): Promise<void>;
  /** Removes the file; a missing one is fine. */
  remove(file: string): Promise<void>;
  exists(file: string): Promise<boolean>;
}

export function realFiles(): ServiceFiles {
  const read = async <T>(reader: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await reader();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    readText: (file) => read(() => readFile(file, 'utf8')),
    readBytes: (file) => read(() => readFile(file)),
    async write(file, data) {
      const temporary = `${file}.new`;
      await writeFile(temporary, data);
      await rename(temporary, file);
    },
    mkdir: async (dir) => {
      await mkdir(dir, { recursive: true });
    },
    remove: (file) => rm(file, { force: true }),
    exists: async (file) => existsSync(file),
  };
}
