import type { ServiceFiles } from '../files.js';

/**
 * ServiceFiles in memory, keyed by the Windows path exactly as written: the service commands build
 * `C:\...` paths, which a Linux file system cannot hold. Directories are a set; a write into a
 * directory nobody made fails as it would on disk.
 */
export interface MemoryFiles extends ServiceFiles {
  readonly files: Map<string, string | Uint8Array>;
  readonly dirs: Set<string>;
  /** Every write, in order: [path, kind]. */
  readonly writes: string[];
}

export function memoryFiles(
  initial: Record<string, string | Uint8Array> = {},
  dirs: string[] = [],
): MemoryFiles {
  const files = new Map(Object.entries(initial));
  const made = new Set(dirs);
  const writes: string[] = [];
  const parent = (file: string) => file.slice(0, file.lastIndexOf('\\'));
  const text = (data: string | Uint8Array) =>
    typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  return {
    files,
    dirs: made,
    writes,
    readText: async (file) => {
      const data = files.get(file);
      return data === undefined ? undefined : text(data);
    },
    readBytes: async (file) => {
      const data = files.get(file);
      return data === undefined ? undefined : typeof data === 'string' ? Buffer.from(data) : data;
    },
    write: async (file, data) => {
      const dir = parent(file);
      if (!made.has(dir) && [...files.keys()].every((f) => parent(f) !== dir))
        throw Object.assign(new Error(`ENOENT: ${dir}`), { code: 'ENOENT' });
      writes.push(file);
      files.set(file, data);
    },
    mkdir: async (dir) => {
      for (let d = dir; d.includes('\\') && !/^[A-Za-z]:$/.test(d); d = parent(d)) made.add(d);
    },
    remove: async (file) => {
      files.delete(file);
    },
    exists: async (file) => files.has(file) || made.has(file),
  };
}
