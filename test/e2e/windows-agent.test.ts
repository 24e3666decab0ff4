import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@portwarden/common/logger';
import { until } from '@portwarden/common/testing';
import { ENV_FILE_HEADER } from '@portwarden/agent/service/service';
import { buildMsi, msiServiceXml } from '@portwarden/deploy/package/msi';
import { buildWindowsAgent, makeSeaBlob, type WindowsBuild } from '@portwarden/deploy/package/windows';
import {
  createWinePrefix,
  driveCPath,
  killWineProcess,
  killWineServer,
  requireWine,
  runWine,
  spawnWine,
  toWindowsPath,
  type WinePrefix,
} from '@portwarden/deploy/package/wine';
import { portwarden } from '../support/cli.js';
import { Fleet } from '../support/fleet.js';
import { FlakyService } from '../support/tcp-server.js';

/** On Wine's C: drive, with a space and backslashes, as on a real Windows host. */
const STATE_DIR = 'C:\\ProgramData\\Portwarden Test';
const NAME = 'win-1';
const exec = promisify(execFile);

/**
 * The Windows agent as users get it: `npm run package:windows`'s portwarden-agent.exe (node.exe 22
 * with the agent injected as a single-executable application), run under Wine against a real
 * controller on loopback with mutual TLS. It enrolls with a token from the CLI, reports a port
 * check into PostgreSQL, survives SIGKILL with every result stored exactly once, and its
 * firewall-status answers "unknown" (Wine has no Windows firewall) instead of crashing.
 */
describe('portwarden-agent.exe under Wine', () => {
  const fleet = new Fleet({
    redis: false,
    controller: { tls: { caKey: 'the CA key secret of the Windows end-to-end test' } },
  });
  const service = new FlakyService();
  let sql: postgres.Sql;
  let dir: string;
  let prefix: WinePrefix;
  let build: WindowsBuild;
  let agent: ChildProcess | undefined;
  let runs = 0;

  beforeAll(async () => {
    // Wine is a requirement of this suite (CI installs it): without it this fails, loudly.
    requireWine();
    dir = await mkdtemp(join(tmpdir(), 'pw-windows-'));
    prefix = await createWinePrefix(join(dir, 'wineprefix'));
    [build] = await Promise.all([
      buildWindowsAgent({
        logger: silentLogger(),
        outDir: join(dir, 'dist'),
        winePrefix: prefix.dir,
      }),
      fleet.start(),
      service.start(),
    ]);
    sql = postgres(fleet.db.url, { max: 1, onnotice: () => {} });
    await fleet.controller.applyPolicy(`
alertGroups: { ops: { channels: [{ log: {} }] } }
checks: [{ name: port, port: ${service.port}, interval: 300ms, timeout: 500ms, alertGroup: ops, agents: { os: windows } }]
`);
  }, 180_000);

  afterAll(async () => {
    if (agent) await killWineProcess(agent);
    if (prefix) await killWineServer(prefix);
    await sql?.end();
    await fleet.stop();
    await service.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const wine = (args: string[], name: string) =>
    runWine(prefix, [build.agentExe, ...args], { outBase: join(dir, name), timeoutMs: 60_000 });

  /** Starts the agent under Wine, its output in files (a pipe would give the Windows side EBADF). */
  const startAgent = async (extra: string[] = []) => {
    runs++;
    agent = await spawnWine(
      prefix,
      [build.agentExe, '--controller', fleet.grpcAddress, '--name', NAME, '--state-dir', STATE_DIR, ...extra],
      { outBase: join(dir, `agent-${runs}`), env: { LOG_LEVEL: 'info' } },
    );
    return agent;
  };

  /** The agent's log so far, for a failure message. */
  const agentLog = async () =>
    (await readFile(join(dir, `agent-${runs}.err`), 'utf8').catch(() => ''))
      .split('\n')
      .slice(-20)
      .join('\n');

  const stored = async () => {
    const [row] = await sql<{ rows: number; distinct: number; min: number | null; max: number | null }[]>`
      SELECT count(*)::int AS rows, count(DISTINCT r.seq)::int AS distinct, min(r.seq)::int AS min, max(r.seq)::int AS max
      FROM results r JOIN agents a ON a.id = r.agent_id WHERE a.name = ${NAME}`;
    return { rows: row!.rows, distinct: row!.distinct, min: row!.min ?? 0, max: row!.max ?? 0 };
  };

  const waitStored = async (what: string, atLeast: number) => {
    try {
      await until(what, async () => (await stored()).max >= atLeast, 60_000, 100);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the agent's log ends:\n${await agentLog()}`, {
        cause: err,
      });
    }
  };

  it('prints its version', async () => {
    const run = await wine(['--version'], 'version');
    expect({ code: run.code, stdout: run.stdout.trim() }).toEqual({ code: 0, stdout: build.version });
  });

  it(
    'enrolls with a token, stores results, and keeps every one exactly once across SIGKILL',
    { timeout: 150_000 },
    async () => {
      const token = await portwarden(
        ['--url', fleet.httpUrl, 'token', 'create', '--label', 'os=windows', '--ttl', '10m'],
        { PORTWARDEN_TOKEN: fleet.admin.token },
      );
      expect(token.code, token.stderr).toBe(0);

      await startAgent(['--enroll-token', token.stdout.trim()]);
      await waitStored('results from the enrolled agent', 5);
      // The identity landed where it was told: on C:, in the folder with a space.
      const tls = driveCPath(prefix, `${STATE_DIR}\\tls`);
      expect((await readdir(tls)).sort()).toEqual(expect.arrayContaining(['cert.pem', 'key.pem']));
      const { agents } = await fleet.api<{ agents: { name: string; labels: object }[] }>('/api/v1/agents');
      expect(agents.find((a) => a.name === NAME)).toMatchObject({ labels: { os: 'windows' } });

      // Idle: enrolled, connected, one check every 300 ms; measured once a few more results went by.
      await waitStored('results while idle', (await stored()).max + 5);
      await reportIdleRss(agent!.pid!, prefix);

      expect(await prefixProcesses(prefix, 'portwarden-agent')).toContain(String(agent!.pid));
      // SIGKILL to the Wine process group: no chance to flush or say goodbye.
      await killWineProcess(agent!);
      // The Windows process is that Unix process (Wine runs it in the loader): nothing of it is left.
      expect(await prefixProcesses(prefix, 'portwarden-agent')).toEqual([]);
      const before = (await stored()).max;
      // The restart needs no token: it reads the identity it kept.
      await startAgent();
      await waitStored('results after the restart', before + 5);

      const final = await stored();
      expect(final.min).toBe(1);
      expect(final.distinct).toBe(final.rows);
      expect(final.rows).toBe(final.max);
      await killWineProcess(agent!);
    },
  );

  it('answers firewall-status with unknown and a reason, exit 1, under Wine', async () => {
    const run = await wine(['firewall-status'], 'firewall-status');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^firewall: unknown/m);
    expect(run.stdout).toMatch(/^detail: +\S/m);
    expect(run.stderr).not.toMatch(/TypeError|ReferenceError|at .*\(/);
  });

  it('fails the build with what node.exe said when it cannot make the blob', async () => {
    const work = join(dir, 'no-main');
    await mkdir(work);
    // The main script is missing: node.exe exits non-zero, and its message reaches the error.
    await expect(makeSeaBlob(prefix, join(work, 'missing.cjs'))).rejects.toThrow(
      /--experimental-sea-config under Wine exited 1: .*missing\.cjs/s,
    );
  });

  it(
    'builds the same bytes again, and signs them when given a certificate',
    { timeout: 90_000 },
    async () => {
      const again = await buildWindowsAgent({
        logger: silentLogger(),
        outDir: join(dir, 'again'),
        winePrefix: prefix.dir,
      });
      expect(again.sha256).toBe(build.sha256);
      await access(build.serviceExe);

      // A throwaway code-signing certificate; osslsigncode checks the signature against it.
      const key = join(dir, 'sign-key.pem');
      const cert = join(dir, 'sign-cert.pem');
      await exec('openssl', [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert],
        ...['-subj', '/CN=Portwarden test signing', '-addext', 'extendedKeyUsage=codeSigning'],
      ]);
      const signed = await buildWindowsAgent({
        logger: silentLogger(),
        outDir: join(dir, 'signed'),
        winePrefix: prefix.dir,
        signCert: cert,
        signKey: key,
      });
      expect(signed.signed).toBe(true);
      const verify = await exec('osslsigncode', ['verify', '-CAfile', cert, '-in', signed.agentExe]);
      expect(verify.stdout).toMatch(/Signature verification: ok/);
      // The signature sits after the injected blob: the signed exe still starts the agent.
      const run = await runWine(prefix, [signed.agentExe, '--version'], {
        outBase: join(dir, 'signed-version'),
        timeoutMs: 60_000,
      });
      expect({ code: run.code, stdout: run.stdout.trim() }).toEqual({ code: 0, stdout: build.version });
    },
  );

  /**
   * The real exe's service commands against Wine's own sc.exe, icacls.exe and service manager, in a
   * fresh prefix, with Wine's wuauserv.exe standing in for WinSW (a .NET program, which this Wine
   * cannot run). Wine 8's sc.exe has no `qc`, `config` or `failureflag` ("fixme:sc:wmain command
   * not supported", exit 1, nothing printed) and answers a query for a missing service with exit 1
   * and nothing printed where Windows says `FAILED 1060`; its icacls is a stub that changes nothing
   * and exits 0. `service configure` reads the installed service's account with `sc qc` and stops on
   * its failure, as it must on Windows, so under Wine the MSI's configure action fails and the
   * install rolls back: that, and the commands Wine does answer, are what is proven here. The
   * upgrade and PURGE paths are proven with stand-ins for both programs in msi.wine.test.ts.
   */
  describe('with the MSI and service commands in a fresh prefix', () => {
    const WINE_PE_DIR = '/usr/lib/x86_64-linux-gnu/wine/x86_64-windows';
    const INSTALL_DIR = 'C:\\Program Files\\Portwarden';
    // Not "win agent 1": the controller refuses a name with spaces at enrollment (letters, digits,
    // _ . - only), and neither the agent nor its configure command checks that before.
    const AGENT_NAME = 'win-agent-1';
    let fresh: WinePrefix;
    let msi: string;
    let token: string;
    let installed: ChildProcess | undefined;

    beforeAll(async () => {
      msi = join(dir, 'portwarden-agent-real.msi');
      [fresh] = await Promise.all([
        createWinePrefix(join(dir, 'msi-prefix')),
        buildMsi({
          agentExe: build.agentExe,
          serviceExe: join(WINE_PE_DIR, 'wuauserv.exe'),
          outFile: msi,
          version: '0.1.0',
        }),
      ]);
      const created = await portwarden(
        ['--url', fleet.httpUrl, 'token', 'create', '--label', 'os=windows', '--ttl', '10m'],
        { PORTWARDEN_TOKEN: fleet.admin.token },
      );
      expect(created.code, created.stderr).toBe(0);
      token = created.stdout.trim();
    }, 120_000);

    afterAll(async () => {
      if (installed) await killWineProcess(installed);
      if (fresh) await killWineServer(fresh);
    });

    const inFresh = (args: string[], name: string, env?: NodeJS.ProcessEnv) =>
      runWine(fresh, args, { outBase: join(dir, name), timeoutMs: 60_000, ...(env && { env }) });
    const agentExe = `${INSTALL_DIR}\\portwarden-agent.exe`;
    const service = async (args: string[], name: string) => {
      const run = await inFresh([agentExe, 'service', ...args], name);
      return { code: run.code, stdout: run.stdout, stderr: run.stderr.trim() };
    };

    it("runs the real service configure from msiexec, which fails on Wine's sc qc and rolls the install back", async () => {
      const run = await inFresh(
        [
          'msiexec',
          '/i',
          toWindowsPath(msi),
          '/qn',
          `CONTROLLER=${fleet.grpcAddress}`,
          `ENROLLTOKEN=${token}`,
          `NAME=${AGENT_NAME}`,
        ],
        'msiexec-install',
        { WINEDEBUG: '-all,trace+msi' },
      );
      // Wine's msiexec exits 1627 (ERROR_FUNCTION_FAILED; 91 after Unix truncates it), Windows 1603.
      expect(run.code).not.toBe(0);
      // The deferred action ran the installed real exe with the properties...
      const action = /HANDLE_CustomType18 exe L"([^"]*)" arg L"((?:[^"\\]|\\.)*)"/.exec(run.stderr);
      expect(action?.[1]?.replace(/\\(.)/g, '$1')).toBe(agentExe);
      expect(action?.[2]?.replace(/\\(.)/g, '$1')).toBe(
        `service configure --state-dir="C:\\ProgramData\\Portwarden" --controller="${fleet.grpcAddress}" ` +
          `--enroll-token="${token}" --name="${AGENT_NAME}" --labels=""`,
      );
      // ...which said why it stopped (its stderr is msiexec's under Wine) and exited 1, failing the install.
      expect(run.stderr).toContain(
        'portwarden-agent: sc.exe qc PortwardenAgent failed with error 1: (nothing)',
      );
      expect(run.stderr).toMatch(/custom_get_process_return exit code is 1\b/);
      // Rolled back: no program, no service, and no settings written (configure failed before).
      expect(existsSync(driveCPath(fresh, INSTALL_DIR))).toBe(false);
      expect(existsSync(driveCPath(fresh, 'C:\\ProgramData\\Portwarden\\agent.env'))).toBe(false);
      const key = await inFresh(
        ['reg', 'query', 'HKLM\\System\\CurrentControlSet\\Services\\PortwardenAgent'],
        'reg-service',
      );
      expect(key.code).not.toBe(0);
    });

    it("answers status, stop, start and uninstall through Wine's sc.exe; configure and a missing service fail", async () => {
      // Laid out as the MSI does, without the wrapper beside it: uninstall then deletes with sc.exe.
      await mkdir(driveCPath(fresh, INSTALL_DIR), { recursive: true });
      await copyFile(build.agentExe, driveCPath(fresh, agentExe));
      const binPath = 'C:\\windows\\system32\\wuauserv.exe';
      for (const args of [
        ['create', 'PortwardenAgent', 'binPath=', binPath, 'start=', 'auto'],
        ['start', 'PortwardenAgent'],
      ]) {
        expect((await inFresh(['sc', ...args], `sc-${args[0]}`)).code).toBe(0);
      }

      const said = (code: number, stdout: string) => ({ code, stdout, stderr: '' });
      expect(await service(['status'], 'status-running')).toEqual(said(0, 'PortwardenAgent: running\n'));
      expect(await service(['stop'], 'stop')).toEqual(said(0, 'PortwardenAgent: stopped\n'));
      expect(await service(['status'], 'status-stopped')).toEqual(said(3, 'PortwardenAgent: stopped\n'));
      expect(await service(['start'], 'start')).toEqual(said(0, 'PortwardenAgent: running\n'));

      // Windows' sc qc prints the account; Wine's does not know the command.
      expect(await service(['configure', '--controller', fleet.grpcAddress], 'configure')).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'portwarden-agent: sc.exe qc PortwardenAgent failed with error 1: (nothing); see the error above; sc.exe shows it too',
      });

      expect(await service(['uninstall'], 'uninstall')).toEqual(
        said(0, 'PortwardenAgent uninstalled; its state directory is kept\n'),
      );
      // Windows answers 1060 here, read as "not installed", exit 4 (sc-query.not-installed.rc1060.txt);
      // Wine's sc exits 1 and prints nothing, which the agent does not take for "not installed".
      expect(await service(['status'], 'status-gone')).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'portwarden-agent: sc.exe query PortwardenAgent failed with error 1: (nothing); see the error above; sc.exe shows it too',
      });
    });

    it(
      "runs as the MSI's WinSW configuration says: settings from agent.env, enrolled, results stored",
      { timeout: 90_000 },
      async () => {
        // What configure writes on Windows (Wine's sc.exe stopped it above), with the token.
        const stateDir = 'C:\\ProgramData\\Portwarden';
        await mkdir(driveCPath(fresh, stateDir), { recursive: true });
        await writeFile(
          driveCPath(fresh, `${stateDir}\\agent.env`),
          `${ENV_FILE_HEADER}PORTWARDEN_CONTROLLER=${fleet.grpcAddress}\nPORTWARDEN_ENROLL_TOKEN=${token}\n` +
            `PORTWARDEN_AGENT_NAME=${AGENT_NAME}\n`,
        );
        // The command line WinSW would start, from the XML the MSI installs, its variables expanded.
        const xml = msiServiceXml();
        const expand = (text: string) =>
          text
            .replaceAll('&quot;', '"')
            .replaceAll('%BASE%', INSTALL_DIR)
            .replaceAll('%ProgramData%', 'C:\\ProgramData');
        const exe = expand(/<executable>(.*)<\/executable>/.exec(xml)![1]!);
        const args = [
          ...expand(/<arguments>(.*)<\/arguments>/.exec(xml)![1]!).matchAll(/"([^"]*)"|(\S+)/g),
        ].map((m) => m[1] ?? m[2]!);
        expect([exe, ...args]).toEqual([
          agentExe,
          '--environment-file',
          `${stateDir}\\agent.env`,
          '--state-dir',
          stateDir,
        ]);
        installed = await spawnWine(fresh, [exe, ...args], {
          outBase: join(dir, 'installed-agent'),
          env: { LOG_LEVEL: 'info' },
        });
        try {
          await until(
            'results from the agent configured by agent.env',
            async () => {
              if (installed!.exitCode !== null) throw new Error(`the agent exited ${installed!.exitCode}`);
              const [row] = await sql<{ rows: number }[]>`
                SELECT count(*)::int AS rows FROM results r JOIN agents a ON a.id = r.agent_id
                WHERE a.name = ${AGENT_NAME}`;
              return row!.rows > 0;
            },
            60_000,
            100,
          );
        } catch (err) {
          const log = await readFile(join(dir, 'installed-agent.err'), 'utf8').catch(() => '');
          throw new Error(
            `${(err as Error).message}; the agent's log ends:\n${log.split('\n').slice(-20).join('\n')}`,
            {
              cause: err,
            },
          );
        }
        expect((await readdir(driveCPath(fresh, `${stateDir}\\tls`))).sort()).toEqual(
          expect.arrayContaining(['cert.pem', 'key.pem']),
        );
        await killWineProcess(installed);
      },
    );
  });
});

/**
 * Prints the agent's resident memory under Wine: its own process (anonymous: heap and native
 * allocations; file-backed: mostly the mapped exe and Wine's DLLs), and every process of the private
 * prefix (wineserver, services.exe, winedevice.exe..., which a real Windows has anyway).
 */
async function reportIdleRss(pid: number, prefix: WinePrefix): Promise<void> {
  const own = await readRssKiB(String(pid));
  const all = await Promise.all((await prefixProcesses(prefix)).map(readRssKiB));
  const total = all.reduce((sum, rss) => sum + rss.total, 0);
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  process.stdout.write(
    `portwarden-agent.exe idle RSS under Wine: agent ${mib(own.total)} (anonymous ${mib(own.anon)}, file ${mib(own.file)}); ` +
      `with the whole prefix ${mib(total)} (${all.length} processes)\n`,
  );
  expect(own.total).toBeGreaterThan(0);
}

async function readRssKiB(pid: string): Promise<{ total: number; anon: number; file: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { total: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
}

/** The processes whose environment names this prefix (everything Wine started for it), by command line. */
async function prefixProcesses(prefix: WinePrefix, commandContains = ''): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  const mine: string[] = [];
  for (const pid of pids) {
    const [environ, cmdline] = await Promise.all(
      ['environ', 'cmdline'].map((f) => readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')),
    );
    if (environ!.split('\0').includes(`WINEPREFIX=${prefix.dir}`) && cmdline!.includes(commandContains))
      mine.push(pid);
  }
  return mine;
}
