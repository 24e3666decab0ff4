import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '@portwarden/common/errors';
import { hashApiToken, newApiToken } from './token.js';

/** Shorter tokens are refused in the file: they could be guessed. */
export const MIN_TOKEN_LENGTH = 32;

/**
 * --admin-token-file: a new admin token written to FILE (0600, never overwriting), or the one
 * already there. Returns its hash for the store and whether it was created.
 */
export async function bootstrapToken(file: string): Promise<{ hash: Buffer; created: boolean }> {
  const token = newApiToken();
  try {
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { hash: hashApiToken(token), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(file, err);
  }
  return { hash: hashApiToken(await readToken(file)), created: false };
}

async function readToken(file: string): Promise<string> {
  const text = (await readFile(file, 'utf8')).trim();
  if (text.length < MIN_TOKEN_LENGTH)
    throw new ConfigError(
      `the admin token in ${file} is shorter than ${MIN_TOKEN_LENGTH} characters`,
      'delete the file: the controller writes a new token there when it starts',
    );
  return text;
}

function cannotWrite(file: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  return new ConfigError(
    `cannot write the admin token file ${file} (${code ?? String(err)})`,
    code === 'ENOENT'
      ? `create the directory ${dirname(file)} first, or point --admin-token-file elsewhere`
      : 'point --admin-token-file at a file the controller may create',
    { cause: err },
  );
}
