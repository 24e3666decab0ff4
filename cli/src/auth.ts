import { readFileSync } from 'node:fs';
import { quickstartAdminTokenFile } from '@portwarden/common/quickstart-paths';
import { DEFAULT_URL } from './client.js';

/** Where the CLI looks for its API token. */
export interface TokenSources {
  /** --token, or PORTWARDEN_TOKEN (commander reads both). */
  token?: string;
  url: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** @default readFileSync, utf8 */
  read?: (file: string) => string;
}

/**
 * --token / PORTWARDEN_TOKEN; otherwise, against the quick start's own URL, the admin token the
 * quick start wrote in its state directory. undefined when there is none: the controller says 401.
 */
export function findToken({ token, url, env, cwd, read = (f) => readFileSync(f, 'utf8') }: TokenSources) {
  if (token) return token;
  if (new URL(url).origin !== new URL(DEFAULT_URL).origin) return undefined;
  try {
    return read(quickstartAdminTokenFile(env, cwd)).trim() || undefined;
  } catch {
    return undefined;
  }
}
