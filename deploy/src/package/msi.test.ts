import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@portwarden/common/errors';
import {
  buildMsi,
  exportTable,
  MSI_PUBLIC_PROPERTIES,
  msiServiceXml,
  msiVersion,
  productCodeFor,
  ToolFailedError,
  ToolMissingError,
  type MsiOptions,
} from './msi.js';

// Real wixl and msitools (Debian's `wixl` and `msitools`); wixl does not look inside the
// executables it packages, so small stand-ins do.
let dir: string;
let options: MsiOptions;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portwarden-msi-test-'));
  await writeFile(path.join(dir, 'agent.exe'), 'MZ stand-in for portwarden-agent.exe');
  await writeFile(path.join(dir, 'winsw.exe'), 'MZ stand-in for WinSW');
  options = {
    agentExe: path.join(dir, 'agent.exe'),
    serviceExe: path.join(dir, 'winsw.exe'),
    serviceConfigXml: '<service><id>PortwardenAgent</id></service>\n',
    outFile: path.join(dir, 'out/portwarden-agent.msi'),
    version: '1.2.3',
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildMsi', () => {
  let msi: string;
  const table = (name: string) => exportTable(msi, name);
  const row = async (name: string, key: string, value: string) =>
    (await table(name)).find((r) => r[key] === value);

  beforeAll(async () => {
    await buildMsi(options);
    msi = options.outFile;
  });

  it('lists the public properties as secure, and carries the version and upgrade code', async () => {
    const properties = Object.fromEntries((await table('Property')).map((r) => [r.Property, r.Value]));
    const secure = properties.SecureCustomProperties!.split(';');
    for (const name of MSI_PUBLIC_PROPERTIES) expect(secure).toContain(name);
    // wixl's own upgrade properties are kept beside them.
    expect(secure).toEqual(expect.arrayContaining(['WIX_UPGRADE_DETECTED', 'WIX_DOWNGRADE_DETECTED']));
    expect(properties.PURGE).toBe('0');
    expect(properties.MsiHiddenProperties).toBe('ENROLLTOKEN');
    expect(properties.ProductVersion).toBe('1.2.3');
    expect(properties.UpgradeCode).toMatch(/^\{[0-9A-F-]{36}\}$/);
    expect(properties.ProductCode).toBe(`{${productCodeFor(properties.UpgradeCode!, '1.2.3')}}`);
    expect(properties.ALLUSERS).toBe('1');
  });

  it('installs PortwardenAgent as an automatic LocalSystem service of its own process', async () => {
    const service = await row('ServiceInstall', 'Name', 'PortwardenAgent');
    expect(service).toMatchObject({
      DisplayName: 'Portwarden Agent',
      ServiceType: '16', // SERVICE_WIN32_OWN_PROCESS
      StartType: '2', // SERVICE_AUTO_START (delayed start is set by `service configure`)
      ErrorControl: '1', // SERVICE_ERROR_NORMAL
      StartName: 'LocalSystem',
      Component_: 'ServiceWrapper',
    });
    expect(service!.Description).not.toBe('');
    const binary = await row('File', 'Component_', 'ServiceWrapper');
    expect(binary!.FileName).toBe('PortwardenAgentService.exe'); // the component's first file
  });

  it('starts the service on install, stops it on install and uninstall, removes it on uninstall', async () => {
    const control = await row('ServiceControl', 'Name', 'PortwardenAgent');
    // msidbServiceControlEvent: Start 1, Stop 2, UninstallStop 32, UninstallDelete 128.
    expect(Number(control!.Event)).toBe(1 | 2 | 32 | 128);
    expect(control!.Wait).toBe('1');
  });

  it('runs `service configure` deferred as LocalSystem between InstallServices and StartServices', async () => {
    const action = await row('CustomAction', 'Action', 'ConfigureAgent');
    const type = Number(action!.Type);
    expect(type & 0x3f).toBe(18); // an exe installed by this package
    expect(type & 0x400).toBe(0x400); // deferred
    expect(type & 0x800).toBe(0x800); // not impersonated
    expect(type & 0x2000).toBe(0x2000); // the command line (with the token) kept out of logs
    expect(type & 0x40).toBe(0); // its failure fails the install
    expect(action!.Source).toBe('AgentExe');
    expect(action!.Target).toBe(
      'service configure --state-dir="[CommonAppDataFolder]Portwarden" --controller="[CONTROLLER]" ' +
        '--enroll-token="[ENROLLTOKEN]" --name="[NAME]" --labels="[LABELS]"',
    );
    const sequence = await sequenceOf(msi);
    expect(sequence.ConfigureAgent!.Condition).toBe('NOT (REMOVE~="ALL")');
    expect(sequence.ConfigureAgent!.at).toBeGreaterThan(sequence.InstallServices!.at);
    expect(sequence.ConfigureAgent!.at).toBeLessThan(sequence.StartServices!.at);
  });

  it('purges the state directory with cmd.exe only on a real uninstall with PURGE=1', async () => {
    const purge = await row('CustomAction', 'Action', 'PurgeStateDir');
    const type = Number(purge!.Type);
    expect(type & 0x3f).toBe(50); // an exe named by a property
    expect(type & (0x400 | 0x800 | 0x40)).toBe(0x400 | 0x800 | 0x40); // deferred, system, ignored
    expect(purge).toMatchObject({
      Source: 'PURGECMD',
      Target: '/c rmdir /s /q "[CommonAppDataFolder]Portwarden"',
    });
    const setter = await row('CustomAction', 'Action', 'SetPurgeCommand');
    expect(setter).toMatchObject({ Source: 'PURGECMD', Target: '[System64Folder]cmd.exe' });
    expect(Number(setter!.Type) & 0x3f).toBe(51);
    const sequence = await sequenceOf(msi);
    const condition = 'REMOVE~="ALL" AND NOT UPGRADINGPRODUCTCODE AND PURGE="1"';
    expect(sequence.PurgeStateDir!.Condition).toBe(condition);
    expect(sequence.SetPurgeCommand!.Condition).toBe(condition);
    expect(sequence.SetPurgeCommand!.at).toBeLessThan(sequence.PurgeStateDir!.at);
    // After the service is gone (DeleteServices) and before InstallFinalize.
    expect(sequence.PurgeStateDir!.at).toBeGreaterThan(sequence.DeleteServices!.at);
    expect(sequence.PurgeStateDir!.at).toBeLessThan(sequence.InstallFinalize!.at);
  });

  it('is a major upgrade that removes the old product first, in its transaction, and refuses a downgrade', async () => {
    const upgrade = await table('Upgrade');
    const detected = upgrade.find((r) => r.ActionProperty === 'WIX_UPGRADE_DETECTED');
    expect(detected).toMatchObject({ VersionMin: '', VersionMax: '1.2.3' });
    const downgrade = upgrade.find((r) => r.ActionProperty === 'WIX_DOWNGRADE_DETECTED');
    expect(downgrade).toMatchObject({ VersionMin: '1.2.3', VersionMax: '', Attributes: '2' });
    const launch = await row('LaunchCondition', 'Condition', 'NOT WIX_DOWNGRADE_DETECTED');
    expect(launch!.Description).toMatch(/newer version .* already installed/);
    const sequence = await sequenceOf(msi);
    expect(sequence.FindRelatedProducts!.at).toBeLessThan(sequence.LaunchConditions!.at);
    // Right after InstallInitialize: removed first, and put back if the new version fails.
    expect(sequence.RemoveExistingProducts!.at).toBe(sequence.InstallInitialize!.at + 1);
    expect(sequence.RemoveExistingProducts!.at).toBeLessThan(sequence.ProcessComponents!.at);
  });

  it('puts the files under Program Files\\Portwarden and only creates the state folders', async () => {
    const directories = Object.fromEntries((await table('Directory')).map((r) => [r.Directory, r]));
    expect(directories.INSTALLDIR).toMatchObject({
      Directory_Parent: 'ProgramFiles64Folder',
      DefaultDir: 'Portwarden',
    });
    expect(directories.STATEDIR).toMatchObject({
      Directory_Parent: 'CommonAppDataFolder',
      DefaultDir: 'Portwarden',
    });
    expect(directories.LOGSDIR).toMatchObject({ Directory_Parent: 'STATEDIR', DefaultDir: 'logs' });

    const components = Object.fromEntries((await table('Component')).map((r) => [r.Component!, r]));
    const files = await table('File');
    expect(files.map((f) => f.FileName).sort()).toEqual([
      'PortwardenAgentService.exe',
      'PortwardenAgentService.exe.config',
      'PortwardenAgentService.xml',
      'portwarden-agent.exe',
    ]);
    for (const file of files) expect(components[file.Component_!]!.Directory_).toBe('INSTALLDIR');
    for (const component of Object.values(components)) {
      expect(Number(component.Attributes) & 256).toBe(256); // 64-bit
    }
    const created = (await table('CreateFolder')).map((r) => r.Directory_).sort();
    expect(created).toEqual(['LOGSDIR', 'STATEDIR']);
  });

  it('packages the WinSW configuration it was given and the .NET runtime lines', async () => {
    const out = path.join(dir, 'extracted');
    await promisify(execFile)('msiextract', ['-C', out, msi]);
    // msiextract lays the standard folders (ProgramFiles64Folder here) flat.
    const installed = path.join(out, 'Portwarden');
    expect(await readFile(path.join(installed, 'PortwardenAgentService.xml'), 'utf8')).toBe(
      options.serviceConfigXml,
    );
    const config = await readFile(path.join(installed, 'PortwardenAgentService.exe.config'), 'utf8');
    expect(config).toContain('<supportedRuntime version="v2.0.50727" />');
    expect(config).toContain('<supportedRuntime version="v4.0" />');
  });

  it('is an x64 package for Windows Installer 5', async () => {
    const { stdout } = await promisify(execFile)('msiinfo', ['suminfo', msi]);
    expect(stdout).toMatch(/^Template: x64;1033$/m);
    expect(stdout).toMatch(/^Version: 500 /m);
  });
});

describe('buildMsi failures', () => {
  it('names the Debian package when wixl is missing, and writes no MSI', async () => {
    const outFile = path.join(dir, 'missing/portwarden-agent.msi');
    const err = await buildMsi({
      ...options,
      outFile,
      tools: { wixl: path.join(dir, 'no-such-wixl') },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as ToolMissingError).message).toBe('no-such-wixl not found');
    expect((err as ToolMissingError).hint).toBe('install it: apt-get install wixl');
    expect(existsSync(outFile)).toBe(false);
  });

  it('reports a failing wixl with what it said, and writes no MSI', async () => {
    const fake = path.join(dir, 'failing-wixl');
    await writeFile(fake, '#!/bin/sh\necho "portwarden-agent.wxs:3: no such element" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const outFile = path.join(dir, 'failing/portwarden-agent.msi');
    const err = await buildMsi({ ...options, outFile, tools: { wixl: fake } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolFailedError);
    expect((err as Error).message).toBe('failing-wixl failed: portwarden-agent.wxs:3: no such element');
    expect(existsSync(outFile)).toBe(false);
  });

  it('refuses a version an MSI cannot carry before building anything', async () => {
    const outFile = path.join(dir, 'bad-version/portwarden-agent.msi');
    const err = await buildMsi({ ...options, outFile, version: '1.2.3-rc.1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe('version "1.2.3-rc.1" cannot be an MSI ProductVersion');
    expect((err as ConfigError).hint).toMatch(/MAJOR\.MINOR\.PATCH/);
    expect(existsSync(outFile)).toBe(false);
  });
});

describe('msiServiceXml', () => {
  it('runs the installed agent through %BASE% and keeps its state under %ProgramData%, as WinSW expands them', () => {
    const xml = msiServiceXml();
    expect(xml).toContain('<executable>%BASE%\\portwarden-agent.exe</executable>');
    expect(xml).toContain(
      '<arguments>--environment-file &quot;%ProgramData%\\Portwarden\\agent.env&quot; --state-dir &quot;%ProgramData%\\Portwarden&quot;</arguments>',
    );
    expect(xml).toContain('<logpath>%ProgramData%\\Portwarden\\logs</logpath>');
  });
});

describe('msiVersion', () => {
  it.each([
    ['0.1.0', true],
    ['255.255.65535', true],
    ['10.0.1', true],
    ['1.2.3-rc.1', false], // no pre-release in MSI: it would install as 1.2.3
    ['1.2.3+build.5', false],
    ['1.2', false],
    ['1.2.3.4', false], // the fourth field is ignored by Windows Installer's comparison
    ['256.0.0', false],
    ['0.256.0', false],
    ['0.0.65536', false],
    ['v1.2.3', false],
    ['', false],
  ])('%s → %s', (version, ok) => {
    if (ok) expect(msiVersion(version)).toBe(version);
    else expect(() => msiVersion(version)).toThrow(ConfigError);
  });
});

describe('productCodeFor', () => {
  const upgradeCode = '{61E71573-B52E-419E-AE48-FAD4AC543AA6}';
  it('is a name-based UUID, the same for the same version and different for another', () => {
    const code = productCodeFor(upgradeCode, '1.2.3');
    expect(code).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(productCodeFor(upgradeCode, '1.2.3')).toBe(code);
    expect(productCodeFor(upgradeCode, '1.2.4')).not.toBe(code);
    // Python's uuid.uuid5(UUID(upgradeCode), '1.2.3'): the RFC 4122 algorithm, not a look-alike.
    expect(code).toBe('2455F795-0174-5325-9AC8-980F185CC58B');
  });
});

/** InstallExecuteSequence by action: its sequence number and condition. */
async function sequenceOf(msi: string): Promise<Record<string, { at: number; Condition: string }>> {
  const rows = await exportTable(msi, 'InstallExecuteSequence');
  return Object.fromEntries(rows.map((r) => [r.Action, { at: Number(r.Sequence), Condition: r.Condition! }]));
}
