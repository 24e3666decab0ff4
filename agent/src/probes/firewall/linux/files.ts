import { access, constants, open } from 'node:fs/promises';

/** Rules files are small; a bigger one is a mistake, not a ruleset. */
export const MAX_RULES_BYTES = 1024 * 1024;

/** Why a rules file cannot be read, or undefined when it can. */
export async function unreadable(file: string): Promise<string | undefined> {
  try {
    await access(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

/** The content of a rules file, at most MAX_RULES_BYTES; throws when bigger or unreadable. */
export async function readRules(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_RULES_BYTES)
      throw new Error(`${file} has ${size} bytes; a rules file has at most ${MAX_RULES_BYTES}`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
