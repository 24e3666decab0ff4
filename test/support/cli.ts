import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli/bin/portwarden.js', import.meta.url));
/** A config nobody writes: the user's own `portwarden login` must not steer the tests. */
const NO_CONFIG = join(tmpdir(), 'portwarden-tests-no-config', 'config.yaml');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `portwarden` CLI as a user would, with `env` on top of this process's (and no user
 * config), and `input` (when given) on its stdin.
 */
export function portwarden(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, PORTWARDEN_CONFIG: NO_CONFIG, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
