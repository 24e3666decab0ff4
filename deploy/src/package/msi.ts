import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, PortwardenError } from '@portwarden/common/errors';
import { renderWinswXml, WINSW_EXE_CONFIG } from '@portwarden/agent/service/winsw';
import { REPO_ROOT } from './bundle.js';

/**
 * The Windows installer: `deploy/windows/portwarden-agent.wxs` built by `wixl` (Debian's `wixl`
 * package), then patched with `msibuild` (Debian's `msitools`) where wixl 0.101 ignores WiX
 * attributes.
 *
 * The configure custom action runs, as LocalSystem, after InstallServices and before
 * StartServices on every install, repair and upgrade (not on uninstall), this command line:
 *
 *   "C:\Program Files\Portwarden\portwarden-agent.exe" service configure
 *     --state-dir="C:\ProgramData\Portwarden" --controller="[CONTROLLER]"
 *     --enroll-token="[ENROLLTOKEN]" --name="[NAME]" --labels="[LABELS]"
 *
 * so the agent's argv after the executable is exactly
 *
 *   ['service', 'configure', '--state-dir=C:\ProgramData\Portwarden', '--controller=<CONTROLLER>',
 *    '--enroll-token=<ENROLLTOKEN>', '--name=<NAME>', '--labels=<LABELS>']
 *
 * Every flag is always there, in `--flag=value` form; a property not given on the msiexec command
 * line arrives as an empty value (`--controller=`), which the command must read as "keep what
 * agent.env has". (Windows' quoting rules: a value holding `"` or ending in `\` would not survive,
 * and none of these values has a reason to.) The command line is hidden from MSI logs
 * (HideTarget) and ENROLLTOKEN is listed in MsiHiddenProperties.
 */

/** The installer's public properties, settable on the msiexec command line. */
export const MSI_PUBLIC_PROPERTIES = ['CONTROLLER', 'ENROLLTOKEN', 'NAME', 'LABELS', 'PURGE'] as const;

/** The WiX source; its UpgradeCode is the product's identity across versions. */
export const WXS_FILE = path.join(REPO_ROOT, 'deploy/windows/portwarden-agent.wxs');

export interface MsiOptions {
  /** The agent as one Windows executable (the SEA); installed as `portwarden-agent.exe`. */
  agentExe: string;
  /** WinSW's executable; installed as `PortwardenAgentService.exe`, the service's binary. */
  serviceExe: string;
  /** WinSW's configuration; installed as `PortwardenAgentService.xml`. @default msiServiceXml() */
  serviceConfigXml?: string;
  /** Where the MSI goes; written only once the build has succeeded. */
  outFile: string;
  /** The agent's version, `MAJOR.MINOR.PATCH`: the MSI's ProductVersion. */
  version: string;
  /** The build tools' paths. @default each by its name on PATH */
  tools?: Partial<MsiTools>;
}

/** wixl is Debian's `wixl` package; msibuild and msiinfo are in `msitools`. */
export interface MsiTools {
  wixl: string;
  msibuild: string;
  msiinfo: string;
}

const DEFAULT_TOOLS: MsiTools = { wixl: 'wixl', msibuild: 'msibuild', msiinfo: 'msiinfo' };

/** A program the build runs is not installed. */
export class ToolMissingError extends PortwardenError {
  constructor(tool: string, debianPackage: string) {
    super('tool-missing', `${tool} not found`, `install it: apt-get install ${debianPackage}`);
  }
}

/** A program the build runs failed; the message ends with the last lines it wrote to stderr. */
export class ToolFailedError extends PortwardenError {
  constructor(tool: string, detail: string, options?: ErrorOptions) {
    super(
      'tool-failed',
      `${tool} failed: ${detail}`,
      'the MSI was not written: fix what the tool said and build again',
      options,
    );
  }
}

/**
 * The service's WinSW config as the MSI installs it: paths through `%BASE%` (the wrapper's folder,
 * wherever INSTALLDIR put it) and `%ProgramData%`, which WinSW expands, as the MSI's configure
 * action writes `[CommonAppDataFolder]Portwarden`.
 */
export function msiServiceXml(): string {
  const stateDir = '%ProgramData%\\Portwarden';
  return renderWinswXml({
    agentExe: '%BASE%\\portwarden-agent.exe',
    paths: { stateDir, envFile: `${stateDir}\\agent.env`, logDir: `${stateDir}\\logs` },
  });
}

/** Builds the agent's MSI from the two executables and WinSW's configuration. */
export async function buildMsi(options: MsiOptions): Promise<void> {
  const version = msiVersion(options.version);
  const tools = { ...DEFAULT_TOOLS, ...options.tools };
  const wxs = await readFile(WXS_FILE, 'utf8');
  const productCode = productCodeFor(upgradeCodeOf(wxs), version);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portwarden-msi-'));
  try {
    await layOut(dir, options, wxs);
    const msi = path.join(dir, 'portwarden-agent.msi');
    const wixlArgs = ['-a', 'x64', '-D', `Version=${version}`, '-D', `ProductCode=${productCode}`];
    await run(tools.wixl, 'wixl', [...wixlArgs, '-o', msi, 'portwarden-agent.wxs'], dir);
    await patchMsi(msi, tools);
    await mkdir(path.dirname(options.outFile), { recursive: true });
    await copyFile(msi, options.outFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The MSI ProductVersion for an agent version. Windows Installer compares only the first three
 * fields (major ≤ 255, minor ≤ 255, build ≤ 65535) and has no pre-release: an `-rc.1` would
 * install as the same version as the release, so it is refused rather than dropped.
 */
export function msiVersion(version: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})$/.exec(version);
  const [major, minor, patch] = (match ?? []).slice(1).map(Number);
  if (match === null || major! > 255 || minor! > 255 || patch! > 65535) {
    throw new ConfigError(
      `version ${JSON.stringify(version)} cannot be an MSI ProductVersion`,
      'set agent/package.json\'s "version" to MAJOR.MINOR.PATCH (at most 255.255.65535, no pre-release)',
    );
  }
  return version;
}

/**
 * A ProductCode derived from the UpgradeCode and the version (a name-based UUID, RFC 4122 v5):
 * one per version, the same on every build of it, so Windows Installer turns away a rebuilt MSI of
 * the version already installed ("another version of this product is already installed") instead
 * of installing it as a second product beside the first, as a random code per build would.
 */
export function productCodeFor(upgradeCode: string, version: string): string {
  const namespace = Buffer.from(upgradeCode.replace(/[{}-]/g, ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(version).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex').toUpperCase();
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

function upgradeCodeOf(wxs: string): string {
  const match = /UpgradeCode="([0-9A-Fa-f-]{36})"/.exec(wxs);
  if (match === null) throw new ConfigError(`${WXS_FILE} has no UpgradeCode`, 'restore it from git');
  return match[1]!;
}

/** wixl 0.101 finds a File's Source only relative to the .wxs, so everything goes in one place. */
async function layOut(dir: string, options: MsiOptions, wxs: string): Promise<void> {
  await copyFile(options.agentExe, path.join(dir, 'portwarden-agent.exe'));
  await copyFile(options.serviceExe, path.join(dir, 'PortwardenAgentService.exe'));
  await writeFile(path.join(dir, 'PortwardenAgentService.xml'), options.serviceConfigXml ?? msiServiceXml());
  await writeFile(path.join(dir, 'PortwardenAgentService.exe.config'), WINSW_EXE_CONFIG);
  await writeFile(path.join(dir, 'portwarden-agent.wxs'), wxs);
}

/**
 * What wixl drops: the public properties in SecureCustomProperties (WiX's Secure="yes", so they
 * reach the elevated server side of the install; wixl lists only its upgrade properties), the
 * enrollment token in MsiHiddenProperties (Hidden="yes") and the configure action's HideTarget
 * bit, so a verbose log (`msiexec /l*v`) does not keep the token.
 */
async function patchMsi(msi: string, tools: MsiTools): Promise<void> {
  const secure = new Set<string>(MSI_PUBLIC_PROPERTIES);
  const properties = await exportTable(msi, 'Property', tools.msiinfo);
  const wixlSecure = properties.find((row) => row.Property === 'SecureCustomProperties')?.Value;
  for (const name of (wixlSecure ?? '').split(';')) if (name !== '') secure.add(name);
  const actions = await exportTable(msi, 'CustomAction', tools.msiinfo);
  const configureType = Number(actions.find((row) => row.Action === 'ConfigureAgent')?.Type);
  if (!Number.isInteger(configureType)) {
    throw new ToolFailedError('wixl', 'the MSI has no ConfigureAgent custom action');
  }
  const hideTarget = 0x2000;
  const queries = [
    "DELETE FROM `Property` WHERE `Property` = 'SecureCustomProperties'",
    `INSERT INTO \`Property\` (\`Property\`, \`Value\`) VALUES ('SecureCustomProperties', '${[...secure].sort().join(';')}')`,
    "INSERT INTO `Property` (`Property`, `Value`) VALUES ('MsiHiddenProperties', 'ENROLLTOKEN')",
    `UPDATE \`CustomAction\` SET \`Type\` = ${configureType | hideTarget} WHERE \`Action\` = 'ConfigureAgent'`,
  ];
  for (const query of queries) await run(tools.msibuild, 'msitools', [msi, '-q', query]);
}

/** A table's rows as column → value, from `msiinfo export` (tab-separated; names, types, key). */
export async function exportTable(
  msi: string,
  table: string,
  msiinfo = DEFAULT_TOOLS.msiinfo,
): Promise<Record<string, string>[]> {
  const text = await run(msiinfo, 'msitools', ['export', msi, table]);
  const [header = '', , , ...lines] = text.split(/\r?\n/);
  const columns = header.split('\t');
  return lines
    .filter((line) => line !== '')
    .map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(columns.map((column, i) => [column, values[i] ?? '']));
    });
}

/** Runs a build tool; its stdout, or a typed error that says what is missing or what it said. */
function run(tool: string, debianPackage: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new ToolMissingError(path.basename(tool), debianPackage));
      }
      const said = stderr.trim().split('\n').slice(-5).join(' / ');
      reject(new ToolFailedError(path.basename(tool), said || err.message, { cause: err }));
    });
  });
}
