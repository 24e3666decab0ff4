import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bundleAgent, REPO_ROOT } from './bundle.js';
import { changelogText, CONFFILES, controlText, md5sumsText, PACKAGE } from './deb-control.js';
import { DpkgDebFailedError, DpkgDebMissingError } from './deb-errors.js';

const run = promisify(execFile);

/** The unit, scripts and examples the package installs, kept as plain files for review. */
export const DEB_SOURCES = path.join(REPO_ROOT, 'deploy/linux/deb');

/** Where `npm run package:linux` puts the .deb. */
export const DEFAULT_DEB_OUT_DIR = path.join(REPO_ROOT, 'deploy/dist/linux');

/** The timestamp used when neither SOURCE_DATE_EPOCH nor git gives one: 2026-01-01T00:00:00Z. */
export const FALLBACK_EPOCH = 1_767_225_600;

/** Debian's nodejs in bookworm is 18; the package asks for 20 and the bundle is lowered to it. */
const NODE_MAJOR = 20;

export interface DebOptions {
  /** Where the .deb goes. @default DEFAULT_DEB_OUT_DIR */
  outDir?: string;
  /**
   * Every timestamp in the package, in seconds since the epoch.
   * @default SOURCE_DATE_EPOCH, else the last commit's time, else FALLBACK_EPOCH
   */
  sourceDateEpoch?: number;
  /** @default 'dpkg-deb' (from PATH) */
  dpkgDeb?: string;
}

export interface BuiltDeb {
  file: string;
  version: string;
  bytes: number;
}

/** What goes where: source file in DEB_SOURCES → path in the package, with its mode. */
const INSTALLED: ReadonlyArray<{ from: string; to: string; mode: number }> = [
  { from: 'portwarden-agent', to: 'usr/bin/portwarden-agent', mode: 0o755 },
  { from: 'portwarden-agent.service', to: 'lib/systemd/system/portwarden-agent.service', mode: 0o644 },
  // Holds the enrollment token once edited: never world-readable. postinst gives it the group.
  { from: 'agent.env', to: 'etc/portwarden/agent.env', mode: 0o640 },
  { from: 'copyright', to: `usr/share/doc/${PACKAGE}/copyright`, mode: 0o644 },
  { from: 'README.Debian', to: `usr/share/doc/${PACKAGE}/README.Debian`, mode: 0o644 },
  { from: 'lintian-overrides', to: `usr/share/lintian/overrides/${PACKAGE}`, mode: 0o644 },
  { from: 'postinst', to: 'DEBIAN/postinst', mode: 0o755 },
  { from: 'prerm', to: 'DEBIAN/prerm', mode: 0o755 },
  { from: 'postrm', to: 'DEBIAN/postrm', mode: 0o755 },
];

export const BUNDLE_PATH = 'usr/lib/portwarden-agent/portwarden-agent.cjs';

/**
 * Builds `portwarden-agent_<version>_all.deb`: the agent bundled into one script for Debian's
 * nodejs, its wrapper, the hardened unit, the settings example and the maintainer scripts.
 * Reproducible: every mtime is the source date, dpkg-deb sorts the entries and owns them by root.
 */
export async function buildDeb(options: DebOptions = {}): Promise<BuiltDeb> {
  const epoch = options.sourceDateEpoch ?? (await sourceDateEpoch());
  const outDir = options.outDir ?? DEFAULT_DEB_OUT_DIR;
  const root = await mkdtemp(path.join(os.tmpdir(), 'portwarden-deb-'));
  try {
    const version = await stageTree(root, epoch);
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, `${PACKAGE}_${version}_all.deb`);
    await dpkgDebBuild(options.dpkgDeb ?? 'dpkg-deb', root, file, epoch);
    return { file, version, bytes: (await stat(file)).size };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Fills `root` with the package's files and DEBIAN/; returns the version. */
async function stageTree(root: string, epoch: number): Promise<string> {
  const bundle = path.join(root, BUNDLE_PATH);
  await mkdir(path.dirname(bundle), { recursive: true });
  const { version } = await bundleAgent({ outFile: bundle, nodeMajor: NODE_MAJOR });
  await dropHashbang(bundle);
  for (const file of INSTALLED) {
    const target = path.join(root, file.to);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(DEB_SOURCES, file.from), target);
    await chmod(target, file.mode);
  }
  const changelog = changelogText(
    await readFile(path.join(DEB_SOURCES, 'changelog'), 'utf8'),
    version,
    epoch,
  );
  await writeGzip(path.join(root, `usr/share/doc/${PACKAGE}/changelog.gz`), changelog);
  await writeGzip(
    path.join(root, 'usr/share/man/man1/portwarden-agent.1.gz'),
    await readFile(path.join(DEB_SOURCES, 'portwarden-agent.1')),
  );
  await writeControl(root, version);
  await fixModesAndTimes(root, epoch);
  return version;
}

/**
 * The wrapper in /usr/bin is the one way in, with Debian's /usr/bin/node: the bundle's
 * `#!/usr/bin/env node` line becomes a comment (same line count, so stack traces still match)
 * and the file stays 0644, not a second executable.
 */
async function dropHashbang(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n')) : `\n${text}`;
  await writeFile(file, `// run by /usr/bin/portwarden-agent${body}`);
  await chmod(file, 0o644);
}

/** gzip's header carries no name and mtime 0 here: the same text gives the same bytes. */
async function writeGzip(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, gzipSync(content, { level: 9 }));
  await chmod(file, 0o644);
}

async function writeControl(root: string, version: string): Promise<void> {
  const files = (await listFiles(root)).filter((f) => !f.startsWith('DEBIAN/'));
  const sums = [];
  let installedSizeKib = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(root, file));
    sums.push({ path: file, md5: createHash('md5').update(bytes).digest('hex') });
    installedSizeKib += Math.ceil(bytes.length / 1024);
  }
  const control = path.join(root, 'DEBIAN');
  await writeFile(path.join(control, 'control'), controlText({ version, installedSizeKib }));
  await writeFile(path.join(control, 'md5sums'), md5sumsText(sums));
  await writeFile(path.join(control, 'conffiles'), CONFFILES.map((f) => `${f}\n`).join(''));
  for (const name of ['control', 'md5sums', 'conffiles']) await chmod(path.join(control, name), 0o644);
}

/** Directories 0755 whatever the umask (mkdtemp makes the root 0700); every mtime the source date. */
async function fixModesAndTimes(root: string, epoch: number): Promise<void> {
  const entries = ['', ...(await listEntries(root))];
  for (const entry of entries) {
    const full = path.join(root, entry);
    if ((await stat(full)).isDirectory()) await chmod(full, 0o755);
    await utimes(full, epoch, epoch);
  }
}

async function dpkgDebBuild(dpkgDeb: string, root: string, file: string, epoch: number): Promise<void> {
  try {
    // xz named explicitly: the default has changed between dpkg releases.
    await run(dpkgDeb, ['--build', '--root-owner-group', '-Zxz', root, file], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch), LC_ALL: 'C' },
    });
  } catch (err) {
    const failure = err as NodeJS.ErrnoException & { code?: unknown; stderr?: string };
    if (failure.code === 'ENOENT') throw new DpkgDebMissingError(dpkgDeb, { cause: err });
    throw new DpkgDebFailedError(
      typeof failure.code === 'number' ? failure.code : null,
      failure.stderr ?? '',
    );
  }
}

/**
 * SOURCE_DATE_EPOCH if set (the reproducible-builds convention), else the time of the commit
 * built, else a fixed date (a tarball without .git).
 */
export async function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const given = env.SOURCE_DATE_EPOCH;
  if (given && /^\d+$/.test(given)) return Number(given);
  try {
    const { stdout } = await run('git', ['log', '-1', '--format=%ct'], { cwd: REPO_ROOT });
    const seconds = Number(stdout.trim());
    if (Number.isInteger(seconds) && seconds > 0) return seconds;
  } catch {
    // no git, or not a checkout: the fixed date below
  }
  return FALLBACK_EPOCH;
}

/** Every file and directory under `dir`, relative, sorted. */
async function listEntries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.sort();
}

/** Every regular file under `dir`, relative, sorted byte-wise as dpkg-deb's tar is. */
async function listFiles(dir: string): Promise<string[]> {
  const files = [];
  for (const entry of await listEntries(dir)) {
    if ((await stat(path.join(dir, entry))).isFile()) files.push(entry);
  }
  return files;
}
