/** Which Portwarden was measured: the commit, uncommitted changes, and a fingerprint of the built probe. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  commit: string;
  /** Files of agent/ and common/ changed since the commit. */
  uncommitted: number;
  /** sha256 of agent/dist/probes/port/*.js, to notice a rebuild in the middle of a run. */
  probeHash: string;
}

const PROBE_DIR = path.dirname(fileURLToPath(import.meta.resolve('@portwarden/agent/probes/port/tcp')));

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: PROBE_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

export function probeHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(PROBE_DIR)
    .filter((name) => name.endsWith('.js'))
    .sort()) {
    hash.update(file).update(readFileSync(path.join(PROBE_DIR, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

export function buildInfo(): BuildInfo {
  const root = git(['rev-parse', '--show-toplevel']);
  const changed = root ? git(['-C', root, 'status', '--porcelain', '--', 'agent', 'common']) : '';
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    uncommitted: changed ? changed.split('\n').length : 0,
    probeHash: probeHash(),
  };
}
