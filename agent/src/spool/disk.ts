import { open, type FileHandle } from 'node:fs/promises';

/** Every fsync and fdatasync the spool issues goes through here and is counted. */
export interface SyncCounter {
  syncs: number;
}

export async function syncData(handle: FileHandle, counter: SyncCounter): Promise<void> {
  counter.syncs++;
  await handle.datasync();
}

/** Makes a file's creation, rename or removal durable on POSIX; Windows cannot open a directory. */
export async function syncDirectory(dir: string, counter: SyncCounter): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    counter.syncs++;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `data` at `position`: a write may take fewer bytes than asked. */
export async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes `data` to `file.tmp` and syncs it. Renaming the temp file over `file` then replaces it so
 * that a crash leaves either the old or the new content; `syncDirectory` makes the rename durable.
 */
export async function writeTemp(file: string, data: Buffer, counter: SyncCounter): Promise<string> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await writeAll(handle, data, 0);
    counter.syncs++;
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}
