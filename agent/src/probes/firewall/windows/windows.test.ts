import { describe, expect, it } from 'vitest';
import { probeFirewall } from '../probe.js';
import { createProvider } from '../select.js';
import { defaultFirewallSpec, type FirewallProfile, type ProviderChoice } from '../spec.js';
import { fakeSystem, fixture, WIN } from '../testing/fixtures.js';
import { providerContext } from '../probe.js';
import { NETSH } from './netsh.js';
import { POWERSHELL } from './powershell.js';

const ps = (script: string) => [...POWERSHELL.args, script];
const text = (name: string) => fixture(`windows/${name}`);
const RUNNING = { stdout: text('get-service-mpssvc.running.json.txt') };
const STOPPED = { stdout: text('get-service-mpssvc.stopped.json.txt') };

const probe = (
  system: ReturnType<typeof fakeSystem>['system'],
  provider: ProviderChoice,
  profiles?: FirewallProfile[],
) => probeFirewall(defaultFirewallSpec({ provider, ...(profiles && { profiles }) }), { system });

describe('PowerShell provider', () => {
  it('reads the active store as an array: public off, and rules out Group Policy', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        stdout: text('get-netfirewallprofile.activestore.json.public-off.json.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0\r\n' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('get-netfirewallprofile.activestore.json.public-off.json.txt'),
      });
    const result = await probe(system, 'powershell');
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'public is off (Enabled=0 in the active store) (provider powershell)',
    });
    expect(result.firewall.profiles).toEqual([
      { profile: 'domain', state: 'on', detail: 'Enabled=1 in the active store' },
      { profile: 'private', state: 'on', detail: 'Enabled=1 in the active store' },
      { profile: 'public', state: 'off', detail: 'Enabled=0 in the active store', gpoOverride: false },
    ]);
    expect(result.firewall.service).toEqual({ name: 'MpsSvc', state: 'running', detail: 'Get-Service' });
    expect(fake.argv()).toEqual([
      [
        'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        'Get-NetFirewallProfile -PolicyStore ActiveStore | ConvertTo-Json',
      ],
      [
        WIN.powershell,
        ...ps('Get-Service -Name MpsSvc | Select-Object -Property Name,Status | ConvertTo-Json'),
      ],
      [WIN.powershell, ...ps('(New-Object -ComObject HNetCfg.FwPolicy2).LocalPolicyModifyState')],
      [WIN.powershell, ...ps('Get-NetFirewallProfile -PolicyStore PersistentStore | ConvertTo-Json')],
    ]);
  });

  it('reads a single profile, which ConvertTo-Json prints as an object, and asks nothing more when it is on', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        stdout: text('get-netfirewallprofile.activestore.json.single-object.json.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING);
    const result = await probe(system, 'powershell', ['public']);
    expect(result).toMatchObject({ outcome: 'up', detail: 'public is on (provider powershell)' });
    expect(fake.argv()).toEqual([
      [WIN.powershell, ...ps(POWERSHELL.activeStore)],
      [WIN.powershell, ...ps(POWERSHELL.service)],
    ]);
  });

  it('says unknown, not on, for a profile the active store does not list', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        stdout: text('get-netfirewallprofile.activestore.json.single-object.json.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), { stdout: '0' })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('gpo-override.persistentstore.json.txt'),
      });
    const result = await probe(system, 'powershell', ['domain', 'public']);
    expect(result).toMatchObject({ outcome: 'down', reason: 'firewall-unknown' });
    expect(result.detail).toBe('domain is unknown (not in the active store) (provider powershell)');
  });

  it('recognises a Group Policy override: LocalPolicyModifyState 1, local store on, active store off', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), { stdout: text('gpo-override.activestore.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), {
        stdout: text('gpo-override.fwpolicy2.localpolicymodifystate.txt'),
      })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('gpo-override.persistentstore.json.txt'),
      });
    const result = await probe(system, 'powershell');
    expect(result).toMatchObject({ outcome: 'down', reason: 'gpo-override' });
    expect(result.detail).toBe(
      'domain is off by Group Policy (provider powershell); LocalPolicyModifyState=1; domain on in the local store',
    );
    expect(result.firewall.profiles[0]).toMatchObject({ profile: 'domain', state: 'off', gpoOverride: true });
    expect(result.firewall.gpo).toEqual({
      localPolicyModifyState: 1,
      detail: 'LocalPolicyModifyState=1; domain on in the local store',
    });
  });

  it('sees Group Policy from the stores alone when LocalPolicyModifyState says nothing', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), { stdout: text('gpo-override.activestore.json.txt') })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.powershell, ps(POWERSHELL.localPolicyModifyState), {
        exitCode: 1,
        stderr: 'New-Object : Access denied',
      })
      .on(WIN.powershell, ps(POWERSHELL.persistentStore), {
        stdout: text('gpo-override.persistentstore.json.txt'),
      });
    const result = await probe(system, 'powershell');
    expect(result.reason).toBe('gpo-override');
    expect(result.firewall.notes).toEqual([
      'LocalPolicyModifyState: powershell.exe exited 1: New-Object : Access denied',
    ]);
  });

  it('reports the stopped MpsSvc service, even when the store cannot answer', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        exitCode: 1,
        stderr: 'Get-NetFirewallProfile : The service cannot be started',
      })
      .on(WIN.powershell, ps(POWERSHELL.service), STOPPED);
    const result = await probe(system, 'powershell');
    expect(result).toMatchObject({ outcome: 'down', reason: 'service-stopped' });
    expect(result.detail).toMatch(
      /^firewall service MpsSvc is stopped \(provider powershell\); unknown: domain, private, public$/,
    );
  });

  it('turns profiles back on with Set-NetFirewallProfile, starting MpsSvc first when it is stopped', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.service), STOPPED)
      .on(WIN.powershell, ps(POWERSHELL.startService))
      .on(WIN.powershell, ps(POWERSHELL.enable(['domain', 'public'])));
    const provider = createProvider('powershell', providerContext(defaultFirewallSpec(), { system }));
    const result = await provider.enable(['domain', 'public']);
    expect(result).toMatchObject({ ok: true, detail: 'Set-NetFirewallProfile domain, public done' });
    expect(fake.argv().map((argv) => argv.at(-1))).toEqual([
      'Get-Service -Name MpsSvc | Select-Object -Property Name,Status | ConvertTo-Json',
      'Start-Service -Name MpsSvc -ErrorAction Stop',
      'Set-NetFirewallProfile -Profile Domain,Public -Enabled True -ErrorAction Stop',
    ]);
  });

  it('says which command failed when re-enabling does not work', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.powershell, ps(POWERSHELL.enable(['private'])), {
        exitCode: 1,
        stderr: 'Set-NetFirewallProfile : Access is denied.',
      });
    const provider = createProvider('powershell', providerContext(defaultFirewallSpec(), { system }));
    expect(await provider.enable(['private'])).toMatchObject({
      ok: false,
      detail:
        'Set-NetFirewallProfile private failed: powershell.exe exited 1: Set-NetFirewallProfile : Access is denied.',
    });
  });
});

describe('netsh provider', () => {
  const netshCase = (
    name: string,
    output: Buffer,
    codePage: string | undefined,
    expected: Record<FirewallProfile, string>,
  ) => ({ name, output, codePage, expected });

  it.each([
    netshCase('English, all on', text('netsh-allprofiles-state.en.all-on.txt'), undefined, {
      domain: 'on',
      private: 'on',
      public: 'on',
    }),
    netshCase('English, public off', text('netsh-allprofiles-state.en.public-off.txt'), undefined, {
      domain: 'on',
      private: 'on',
      public: 'off',
    }),
    netshCase(
      'German (UTF-8), private off',
      text('netsh-allprofiles-state.de.private-off.utf8.txt'),
      undefined,
      { domain: 'on', private: 'off', public: 'on' },
    ),
    netshCase(
      'German (CP850 as netsh writes it)',
      text('netsh-allprofiles-state.de.private-off.cp850.txt'),
      'reg-query-oemcp.850.txt',
      { domain: 'on', private: 'off', public: 'on' },
    ),
    netshCase(
      'Chinese (UTF-8), public off',
      text('netsh-allprofiles-state.zh.public-off.utf8.txt'),
      undefined,
      { domain: 'on', private: 'on', public: 'off' },
    ),
    netshCase(
      'Chinese (CP936 as netsh writes it)',
      text('netsh-allprofiles-state.zh.public-off.cp936.txt'),
      'reg-query-oemcp.936.txt',
      { domain: 'on', private: 'on', public: 'off' },
    ),
  ])('reads $name by position', async ({ output, codePage, expected }) => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.netsh, NETSH.show, { stdout: output })
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.running.txt') });
    fake.on(WIN.reg, NETSH.regPolicy, {
      exitCode: 1,
      stderr: 'ERROR: The system was unable to find the specified registry key or value.',
    });
    if (codePage) fake.on(WIN.reg, NETSH.regCodePage, { stdout: text(codePage) });
    const result = await probe(system, 'netsh');
    const states = Object.fromEntries(result.firewall.profiles.map((p) => [p.profile, p.state]));
    expect(states).toEqual(expected);
    const off = Object.values(expected).includes('off');
    expect(result).toMatchObject(off ? { outcome: 'down', reason: 'firewall-disabled' } : { outcome: 'up' });
    expect(fake.argv()).toEqual([
      [WIN.netsh, 'advfirewall', 'show', 'allprofiles', 'state'],
      [WIN.sc, 'query', 'MpsSvc'],
      // The code page is asked for only when the output is not UTF-8.
      ...(codePage
        ? [[WIN.reg, 'query', 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', '/v', 'OEMCP']]
        : []),
      ...(off
        ? [
            [
              WIN.reg,
              'query',
              'HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall',
              '/s',
              '/v',
              'EnableFirewall',
            ],
          ]
        : []),
    ]);
  });

  it('names the word it does not know instead of guessing off', async () => {
    const { system, fake } = fakeSystem('win32');
    const odd = text('netsh-allprofiles-state.en.all-on.txt')
      .toString()
      .replace(/ON\r\n\r\nPublic/, 'ALLUMÉ\r\n\r\nPublic');
    fake
      .on(WIN.netsh, NETSH.show, { stdout: odd })
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.running.txt') })
      .on(WIN.reg, NETSH.regPolicy, { exitCode: 1 });
    const result = await probe(system, 'netsh');
    expect(result).toMatchObject({ outcome: 'down', reason: 'firewall-unknown' });
    expect(result.detail).toBe(
      'private is unknown (netsh printed "ALLUMÉ", a value this agent does not know) (provider netsh)',
    );
  });

  it('sees Group Policy in the policy registry key', async () => {
    const { system, fake } = fakeSystem('win32');
    const domainOff = text('netsh-allprofiles-state.en.all-on.txt').toString().replace('ON', 'OFF');
    fake
      .on(WIN.netsh, NETSH.show, { stdout: domainOff })
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.running.txt') })
      .on(WIN.reg, NETSH.regPolicy, { stdout: text('reg-query-policies-enablefirewall.domain-off.txt') });
    const result = await probe(system, 'netsh');
    expect(result).toMatchObject({ outcome: 'down', reason: 'gpo-override' });
    expect(result.detail).toBe(
      'domain is off by Group Policy (provider netsh); Group Policy sets domain EnableFirewall=0',
    );
  });

  it('reads the service state from translated sc output by position', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.netsh, NETSH.show, { exitCode: 1, stdout: 'Die Firewall-Dienst ist nicht gestartet.' })
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.stopped.de.txt') });
    const result = await probe(system, 'netsh');
    expect(result).toMatchObject({ outcome: 'down', reason: 'service-stopped' });
  });

  it('re-enables all profiles with one netsh command, or each one by name', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.stopped.de.txt') })
      .on(WIN.sc, NETSH.scStart)
      .on(WIN.netsh, NETSH.setAll, { stdout: text('netsh-set-allprofiles-state-on.ok.txt') })
      .on(WIN.netsh, NETSH.set('public'), { stdout: text('netsh-set-allprofiles-state-on.ok.txt') });
    const provider = createProvider('netsh', providerContext(defaultFirewallSpec(), { system }));
    expect(await provider.enable(['domain', 'private', 'public'])).toMatchObject({ ok: true });
    expect(await provider.enable(['public'])).toMatchObject({ ok: true });
    expect(fake.argv()).toEqual([
      [WIN.sc, 'query', 'MpsSvc'],
      [WIN.sc, 'start', 'MpsSvc'],
      [WIN.netsh, 'advfirewall', 'set', 'allprofiles', 'state', 'on'],
      [WIN.sc, 'query', 'MpsSvc'],
      [WIN.sc, 'start', 'MpsSvc'],
      [WIN.netsh, 'advfirewall', 'set', 'publicprofile', 'state', 'on'],
    ]);
  });
});

describe('auto on Windows', () => {
  it('falls back to netsh when PowerShell cannot read the firewall, and says so', async () => {
    const { system, fake } = fakeSystem('win32');
    fake
      .on(WIN.powershell, ps(POWERSHELL.activeStore), {
        exitCode: 1,
        stderr: "Get-NetFirewallProfile : The term 'Get-NetFirewallProfile' is not recognized",
      })
      .on(WIN.powershell, ps(POWERSHELL.service), RUNNING)
      .on(WIN.netsh, NETSH.show, { stdout: text('netsh-allprofiles-state.en.public-off.txt') })
      .on(WIN.sc, NETSH.scQuery, { stdout: text('sc-query-mpssvc.running.txt') })
      .on(WIN.reg, NETSH.regPolicy, { exitCode: 1 });
    const result = await probe(system, 'auto');
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'public is off (netsh: OFF) (provider netsh)',
    });
    expect(result.firewall.provider).toBe('netsh');
    expect(result.firewall.found).toEqual(['powershell', 'netsh']);
    expect(result.firewall.notes[0]).toBe(
      "powershell could not read the firewall: powershell.exe exited 1: Get-NetFirewallProfile : The term 'Get-NetFirewallProfile' is not recognized",
    );
    expect(fake.argv().map((argv) => argv[0])).toEqual([
      WIN.powershell,
      WIN.powershell,
      WIN.netsh,
      WIN.sc,
      WIN.reg,
    ]);
  });

  it('says unknown when neither tool exists', async () => {
    const { system, fake } = fakeSystem('win32', {});
    const result = await probe(system, 'auto');
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-unknown',
      detail: 'neither powershell.exe nor netsh.exe found',
    });
    expect(fake.calls).toEqual([]);
  });
});
