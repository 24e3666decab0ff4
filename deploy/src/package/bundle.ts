import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository's root, from deploy/src/package or deploy/dist/package. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BundleOptions {
  /** Where the one CommonJS file goes. */
  outFile: string;
  /** Node's major version the bundle runs on; the syntax is lowered to it. */
  nodeMajor: number;
}

/** The agent's version, from its package.json: what `--version` prints and the packages are named. */
export async function agentVersion(): Promise<string> {
  const text = await readFile(path.join(REPO_ROOT, 'agent/package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The agent and everything it imports as one CommonJS script, as a Node single-executable
 * application and a plain `node agent.cjs` both need: no node_modules beside it, no package.json,
 * so the version is put in here. Built from agent/dist, which the build of the workspace made.
 */
export async function bundleAgent(options: BundleOptions): Promise<{ version: string }> {
  const version = await agentVersion();
  await build({
    entryPoints: [path.join(REPO_ROOT, 'agent/dist/main.js')],
    // The bundle's `// path` comments are relative to this: the same bytes from any cwd.
    absWorkingDir: REPO_ROOT,
    outfile: options.outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${options.nodeMajor}`,
    define: { __PORTWARDEN_AGENT_VERSION__: JSON.stringify(version) },
    // The one import.meta use (platform.ts) is behind the version put in above.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  return { version };
}
