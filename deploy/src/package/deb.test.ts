import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentVersion } from './bundle.js';
import { buildDeb, sourceDateEpoch, type BuiltDeb } from './deb.js';
import { md5sumsText, rfc2822 } from './deb-control.js';
import { DpkgDebFailedError, DpkgDebMissingError } from './deb-errors.js';

const run = promisify(execFile);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** `dpkg-deb ARGS...` in UTC (--contents prints times in the local zone), stdout as text. */
async function dpkgDeb(...args: string[]): Promise<string> {
  return (await run('dpkg-deb', args, { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } })).stdout;
}

describe.skipIf(!has('dpkg-deb'))('buildDeb', () => {
  let dir: string;
  let deb: BuiltDeb;
  let again: BuiltDeb;
  let extracted: string;
  const epoch = 1_780_000_000; // 2026-05-28T20:26:40Z

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pw-deb-'));
    deb = await buildDeb({ outDir: path.join(dir, 'one'), sourceDateEpoch: epoch });
    again = await buildDeb({ outDir: path.join(dir, 'two'), sourceDateEpoch: epoch });
    extracted = path.join(dir, 'root');
    await run('dpkg-deb', ['-x', deb.file, extracted]);
    await run('dpkg-deb', ['-e', deb.file, path.join(extracted, 'DEBIAN')]);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is named portwarden-agent_<version>_all.deb after the agent', async () => {
    const version = await agentVersion();
    expect(deb.version).toBe(version);
    expect(path.basename(deb.file)).toBe(`portwarden-agent_${version}_all.deb`);
  });

  it('declares the package, version, Debian nodejs (>= 20.19) and all architectures', async () => {
    const info = await dpkgDeb('--info', deb.file);
    expect(info).toMatch(/^ Package: portwarden-agent$/m);
    expect(info).toMatch(new RegExp(`^ Version: ${deb.version.replaceAll('.', '\\.')}$`, 'm'));
    expect(info).toMatch(/^ Architecture: all$/m);
    expect(info).toMatch(/^ Depends: adduser, nodejs \(>= 20\.19\)$/m);
    expect(info).toMatch(/^ Section: admin$/m);
    expect(info).toMatch(/^ Priority: optional$/m);
    expect(info).toMatch(/^ Maintainer: .+ <.+@.+>$/m);
    expect(info).not.toMatch(/^ Homepage:/m);
    expect(info).toMatch(/^ Description: .+\n {2}\S/m);
    for (const script of ['postinst', 'prerm', 'postrm', 'conffiles', 'md5sums'])
      expect(info).toMatch(new RegExp(`\\s${script}\\s`));
  });

  it('installs these files, root-owned, with these modes, every mtime the source date', async () => {
    const lines = (await dpkgDeb('--contents', deb.file)).trim().split('\n');
    const entries = lines.map((line) => {
      const [mode, owner, , date, time, name] = line.split(/\s+/);
      return { mode, owner, stamp: `${date} ${time}`, name };
    });
    expect(new Set(entries.map((e) => e.owner))).toEqual(new Set(['root/root']));
    expect(new Set(entries.map((e) => e.stamp))).toEqual(new Set(['2026-05-28 20:26']));
    const files = Object.fromEntries(
      entries.filter((e) => !e.name!.endsWith('/')).map((e) => [e.name, e.mode]),
    );
    expect(files).toEqual({
      './etc/portwarden/agent.env': '-rw-r-----',
      './lib/systemd/system/portwarden-agent.service': '-rw-r--r--',
      './usr/bin/portwarden-agent': '-rwxr-xr-x',
      './usr/lib/portwarden-agent/portwarden-agent.cjs': '-rw-r--r--',
      './usr/share/doc/portwarden-agent/README.Debian': '-rw-r--r--',
      './usr/share/doc/portwarden-agent/changelog.gz': '-rw-r--r--',
      './usr/share/doc/portwarden-agent/copyright': '-rw-r--r--',
      './usr/share/lintian/overrides/portwarden-agent': '-rw-r--r--',
      './usr/share/man/man1/portwarden-agent.1.gz': '-rw-r--r--',
    });
    const dirs = entries.filter((e) => e.name!.endsWith('/'));
    expect(new Set(dirs.map((e) => e.mode))).toEqual(new Set(['drwxr-xr-x']));
  });

  it('runs the wrapper and the bundle with Node: --version prints the version', async () => {
    const bundle = path.join(extracted, 'usr/lib/portwarden-agent/portwarden-agent.cjs');
    const direct = await run(process.execPath, [bundle, '--version']);
    expect(direct.stdout.trim()).toBe(deb.version);
    // The packaged wrapper, pointed at this node and the extracted tree instead of /usr.
    const wrapper = await readFile(path.join(extracted, 'usr/bin/portwarden-agent'), 'utf8');
    expect(wrapper).toMatch(
      /^exec \/usr\/bin\/node \/usr\/lib\/portwarden-agent\/portwarden-agent\.cjs "\$@"$/m,
    );
    const local = path.join(dir, 'wrapper');
    await writeFile(
      local,
      wrapper.replace('/usr/bin/node', process.execPath).replace('/usr/lib/', `${extracted}/usr/lib/`),
    );
    await chmod(local, 0o755);
    expect((await run(local, ['--version'])).stdout.trim()).toBe(deb.version);
  });

  it('ships the hardened unit: the portwarden user, the state dir only, the firewall capabilities', async () => {
    const unit = await readFile(path.join(extracted, 'lib/systemd/system/portwarden-agent.service'), 'utf8');
    const settings = unit.split('\n').filter((l) => /^\w+=/.test(l));
    expect(settings).toEqual(
      expect.arrayContaining([
        'User=portwarden',
        'StateDirectory=portwarden-agent',
        'ProtectSystem=strict',
        'ReadWritePaths=/var/lib/portwarden-agent',
        'NoNewPrivileges=yes',
        'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW',
        'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW',
        'EnvironmentFile=-/etc/portwarden/agent.env',
        'ExecStart=/usr/bin/portwarden-agent --environment-file /etc/portwarden/agent.env --state-dir /var/lib/portwarden-agent',
        'RestartPreventExitStatus=2',
        'WantedBy=multi-user.target',
      ]),
    );
    // Not DynamicUser: the package's user owns the state; no user namespace hiding the capabilities.
    expect(unit).not.toMatch(/^(DynamicUser|PrivateUsers)=/m);
  });

  it.skipIf(!has('systemd-analyze'))('rates the unit 1.6 or better in systemd-analyze security', async () => {
    // The exposure left: the firewall capabilities, netlink and internet sockets, the host's
    // network and users (PrivateUsers would hide the capabilities from netfilter), V8's JIT.
    const unit = path.join(extracted, 'lib/systemd/system/portwarden-agent.service');
    const rating = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=16', unit], {
      encoding: 'utf8',
    });
    expect(rating.stdout).toMatch(/Overall exposure level for portwarden-agent\.service: 1\.[0-6] OK/);
    expect(rating.status).toBe(0);
  });

  it('keeps agent.env as a conffile, every setting commented out', async () => {
    expect(await readFile(path.join(extracted, 'DEBIAN/conffiles'), 'utf8')).toBe(
      '/etc/portwarden/agent.env\n',
    );
    const env = await readFile(path.join(extracted, 'etc/portwarden/agent.env'), 'utf8');
    for (const name of ['PORTWARDEN_CONTROLLER', 'PORTWARDEN_ENROLL_TOKEN', 'PORTWARDEN_AGENT_LABELS'])
      expect(env).toMatch(new RegExp(`^#${name}=`, 'm'));
    expect(env).not.toMatch(/^[A-Z_]+=/m);
  });

  it('has maintainer scripts sh accepts, and md5sums dpkg accepts', async () => {
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const check = spawnSync('sh', ['-n', path.join(extracted, 'DEBIAN', script)], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
    const sums = spawnSync('md5sum', ['--check', '--quiet', path.join(extracted, 'DEBIAN/md5sums')], {
      cwd: extracted,
      encoding: 'utf8',
    });
    expect(sums.stdout + sums.stderr).toBe('');
    expect(sums.status).toBe(0);
  });

  it('builds byte-identical packages twice', async () => {
    expect(again.bytes).toBe(deb.bytes);
    expect((await readFile(again.file)).equals(await readFile(deb.file))).toBe(true);
  });

  it.skipIf(!has('lintian'))(
    'passes lintian --pedantic with nothing but the commented overrides',
    async () => {
      const { stdout, stderr } = await run('lintian', ['--pedantic', '--fail-on', 'pedantic', deb.file]);
      expect(stdout).toBe('');
      // Lintian warns when it runs as root, as it does in a container.
      expect(stderr.replace('running with root privileges is not recommended!\n', '')).toBe('');
    },
    60_000,
  );

  it('fails with a hint when dpkg-deb is missing', async () => {
    const missing = path.join(dir, 'no-such-dpkg-deb');
    const failure = buildDeb({ outDir: path.join(dir, 'missing'), sourceDateEpoch: epoch, dpkgDeb: missing });
    await expect(failure).rejects.toThrow(DpkgDebMissingError);
    await expect(failure).rejects.toMatchObject({
      message: `cannot run ${missing}: not found`,
      hint: expect.stringContaining('apt-get install dpkg'),
    });
  });

  it("fails with dpkg-deb's first line when it refuses the tree", async () => {
    const refusing = path.join(dir, 'refusing-dpkg-deb');
    await writeFile(refusing, '#!/bin/sh\necho "dpkg-deb: error: bad tree" >&2\necho more >&2\nexit 2\n');
    await chmod(refusing, 0o755);
    const failure = buildDeb({
      outDir: path.join(dir, 'refused'),
      sourceDateEpoch: epoch,
      dpkgDeb: refusing,
    });
    await expect(failure).rejects.toThrow(DpkgDebFailedError);
    await expect(failure).rejects.toThrow('dpkg-deb --build exited 2: dpkg-deb: error: bad tree');
  });
});

describe('sourceDateEpoch', () => {
  it('takes SOURCE_DATE_EPOCH when set', async () => {
    expect(await sourceDateEpoch({ SOURCE_DATE_EPOCH: '1234567890' })).toBe(1234567890);
  });

  it("otherwise takes the last commit's time", async () => {
    const { stdout } = await run('git', ['log', '-1', '--format=%ct']);
    expect(await sourceDateEpoch({})).toBe(Number(stdout.trim()));
  });
});

describe('deb control text', () => {
  it('writes changelog dates with a numeric UTC zone', () => {
    expect(rfc2822(0)).toBe('Thu, 01 Jan 1970 00:00:00 +0000');
    expect(rfc2822(1_780_000_000)).toBe('Thu, 28 May 2026 20:26:40 +0000');
  });

  it('leaves conffiles out of md5sums (dpkg keeps their sums itself)', () => {
    const text = md5sumsText([
      { path: 'etc/portwarden/agent.env', md5: 'a'.repeat(32) },
      { path: 'usr/bin/portwarden-agent', md5: 'b'.repeat(32) },
    ]);
    expect(text).toBe(`${'b'.repeat(32)}  usr/bin/portwarden-agent\n`);
  });
});
