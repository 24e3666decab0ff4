import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMsi } from './msi.js';

// The MSI installed, upgraded, downgraded and removed by Wine's msiexec in a private prefix. The
// real agent and WinSW do not stand in here (WinSW needs .NET, which this Wine lacks): Wine's own
// powershell.exe is the agent (it takes any arguments, prints nothing and exits 0) and Wine's
// wuauserv.exe is the service binary (a real service program), so the install runs to the end,
// service start included. What the configure action was given is read from Wine's msi trace.
const WINE_PE_DIR = '/usr/lib/x86_64-linux-gnu/wine/x86_64-windows';
const haveWine =
  spawnSync('wine', ['--version']).status === 0 &&
  spawnSync('wixl', ['--version']).status === 0 &&
  existsSync(path.join(WINE_PE_DIR, 'powershell.exe'));

let dir: string;
let prefix: string;
const msi = (version: string) =>
  `Z:${path.join(dir, `portwarden-agent-${version}.msi`).replaceAll('/', '\\')}`;
const drive = (windowsPath: string) => path.join(prefix, 'drive_c', windowsPath.replaceAll('\\', '/'));

describe.skipIf(!haveWine)(
  'the MSI under Wine',
  () => {
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'portwarden-msi-wine-'));
      prefix = path.join(dir, 'prefix');
      expect((await wine(['wineboot', '-i'])).code).toBe(0);
      // A service created while the wineserver that set the prefix up still runs is never seen by
      // StartService (1060, "does not exist"): let that first session end before installing.
      expect(spawnSync('wineserver', ['-w'], { env: wineEnv() }).status).toBe(0);
      for (const version of ['0.1.0', '0.2.0']) {
        await buildMsi({
          agentExe: path.join(WINE_PE_DIR, 'powershell.exe'),
          serviceExe: path.join(WINE_PE_DIR, 'wuauserv.exe'),
          serviceConfigXml: `<service><!-- ${version} --></service>`,
          outFile: path.join(dir, `portwarden-agent-${version}.msi`),
          version,
        });
      }
    }, 120_000);

    afterAll(async () => {
      if (prefix !== undefined) spawnSync('wineserver', ['-k'], { env: wineEnv() });
      await rm(dir, { recursive: true, force: true });
    });

    it('installs the files, the state folders and a running service, then configures the agent', async () => {
      const run = await wine(
        [
          'msiexec',
          '/i',
          msi('0.1.0'),
          '/qn',
          'CONTROLLER=ctl.example:7443',
          'ENROLLTOKEN=pwe_t0ken',
          'NAME=web 1',
        ],
        { trace: true },
      );
      expect(run.code).toBe(0);
      for (const file of [
        'portwarden-agent.exe',
        'PortwardenAgentService.exe',
        'PortwardenAgentService.xml',
      ]) {
        expect(existsSync(drive(`Program Files\\Portwarden\\${file}`))).toBe(true);
      }
      expect(existsSync(drive('ProgramData\\Portwarden\\logs'))).toBe(true);
      expect(configureArgs(run.stderr)).toBe(
        'service configure --state-dir="C:\\ProgramData\\Portwarden" --controller="ctl.example:7443" ' +
          '--enroll-token="pwe_t0ken" --name="web 1" --labels=""',
      );
      const service = (
        await wine(['reg', 'query', 'HKLM\\System\\CurrentControlSet\\Services\\PortwardenAgent'])
      ).stdout;
      expect(service).toMatch(
        /ImagePath\s+REG_\w+\s+C:\\Program Files\\Portwarden\\PortwardenAgentService\.exe/,
      );
      expect(service).toMatch(/Start\s+REG_DWORD\s+0x2/);
      expect(service).toMatch(/ObjectName\s+REG_SZ\s+LocalSystem/);
      expect((await wine(['sc', 'query', 'PortwardenAgent'])).stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    });

    it('upgrades in place, keeping the state, and passes empty values for properties not given', async () => {
      await writeFile(
        drive('ProgramData\\Portwarden\\agent.env'),
        'PORTWARDEN_CONTROLLER=ctl.example:7443\n',
      );
      const run = await wine(['msiexec', '/i', msi('0.2.0'), '/qn', 'LABELS=role=web'], { trace: true });
      expect(run.code).toBe(0);
      expect(configureArgs(run.stderr)).toBe(
        'service configure --state-dir="C:\\ProgramData\\Portwarden" --controller="" --enroll-token="" ' +
          '--name="" --labels="role=web"',
      );
      expect(
        await readFile(drive('Program Files\\Portwarden\\PortwardenAgentService.xml'), 'utf8'),
      ).toContain('0.2.0');
      expect(await readFile(drive('ProgramData\\Portwarden\\agent.env'), 'utf8')).toContain(
        'PORTWARDEN_CONTROLLER',
      );
      expect(await installedVersions()).toEqual(['0.2.0']);
    });

    it('refuses a downgrade and leaves the newer version installed', async () => {
      const run = await wine(['msiexec', '/i', msi('0.1.0'), '/qn']);
      expect(run.code).not.toBe(0);
      expect(await installedVersions()).toEqual(['0.2.0']);
    });

    it('uninstalls the program and the service but keeps the state without PURGE', async () => {
      expect((await wine(['msiexec', '/x', msi('0.2.0'), '/qn'])).code).toBe(0);
      expect(existsSync(drive('Program Files\\Portwarden'))).toBe(false);
      expect(
        (await wine(['reg', 'query', 'HKLM\\System\\CurrentControlSet\\Services\\PortwardenAgent'])).code,
      ).not.toBe(0);
      expect(await readFile(drive('ProgramData\\Portwarden\\agent.env'), 'utf8')).toContain(
        'PORTWARDEN_CONTROLLER',
      );
      expect(await installedVersions()).toEqual([]);
    });

    it('removes the state directory on uninstall with PURGE=1', async () => {
      expect((await wine(['msiexec', '/i', msi('0.2.0'), '/qn'])).code).toBe(0);
      expect(existsSync(drive('ProgramData\\Portwarden\\agent.env'))).toBe(true);
      expect((await wine(['msiexec', '/x', msi('0.2.0'), '/qn', 'PURGE=1'])).code).toBe(0);
      expect(existsSync(drive('ProgramData\\Portwarden'))).toBe(false);
    });
  },
  180_000,
);

function wineEnv(trace = false): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: trace ? '-all,trace+msi' : '-all',
    // No Mono or Gecko installer prompts in a fresh prefix.
    WINEDLLOVERRIDES: 'mscoree=;mshtml=',
  };
}

/**
 * Runs a Wine program to its end. Its stdout and stderr go to files: under Wine a child's stdout
 * must be a file, a pipe gives EBADF.
 */
async function wine(
  args: string[],
  options: { trace?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const out = path.join(dir, 'wine.out');
  const err = path.join(dir, 'wine.err');
  const [outFile, errFile] = await Promise.all([open(out, 'w'), open(err, 'w')]);
  try {
    const child = spawn('wine', args, {
      env: wineEnv(options.trace),
      stdio: ['ignore', outFile.fd, errFile.fd],
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    return { code, stdout: await readFile(out, 'utf8'), stderr: await readFile(err, 'latin1') };
  } finally {
    await Promise.all([outFile.close(), errFile.close()]);
  }
}

/** The configure action's command line after formatting, from Wine's msi trace. */
function configureArgs(trace: string): string {
  const line = /HANDLE_CustomType18 exe L"([^"]*)" arg L"((?:[^"\\]|\\.)*)"/.exec(trace);
  expect(line?.[1]).toBe('C:\\\\Program Files\\\\Portwarden\\\\portwarden-agent.exe');
  return line![2]!.replace(/\\(.)/g, '$1');
}

/** The ProductVersion of each Portwarden Agent product Windows Installer has registered. */
async function installedVersions(): Promise<string[]> {
  const key = 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall';
  const listing = (await wine(['reg', 'query', key, '/s'])).stdout;
  const products = listing
    .split(/\r?\n\r?\n/)
    .filter((block) => /DisplayName\s+REG_SZ\s+Portwarden Agent/.test(block));
  return products.map((block) => /DisplayVersion\s+REG_SZ\s+(\S+)/.exec(block)?.[1] ?? '?').sort();
}
