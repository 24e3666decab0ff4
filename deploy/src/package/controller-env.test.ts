import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './bundle.js';

/** Every environment variable the controller's command line reads, found in its source. */
async function controllerEnvNames(): Promise<string[]> {
  const names = new Set<string>();
  for (const file of ['controller/src/main.ts', 'controller/src/security-flags.ts']) {
    const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
    for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
  }
  return [...names].sort();
}

describe('deploy/systemd/portwarden-controller.env.example', () => {
  it('lists every environment variable the controller reads, and LOG_LEVEL', async () => {
    const example = await readFile(
      path.join(REPO_ROOT, 'deploy/systemd/portwarden-controller.env.example'),
      'utf8',
    );
    const listed = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const names = await controllerEnvNames();
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !listed.has(name))).toEqual([]);
    expect(listed.has('LOG_LEVEL')).toBe(true);
  });
});
