import { describe, expect, it } from 'vitest';
import { probeFirewall } from '../probe.js';
import { defaultFirewallSpec, type ProviderChoice } from '../spec.js';
import { fakeSystem, fixture, LINUX } from '../testing/fixtures.js';
import { providerContext } from '../probe.js';
import { createProvider } from '../select.js';
import { FIREWALLD, firewalldVerdict } from './firewalld.js';
import { IPTABLES, iptablesVerdict, LEGACY_TABLES_WARNING } from './iptables.js';
import { NFT, nftablesVerdict } from './nftables.js';
import { UFW, ufwVerdict } from './ufw.js';

const text = (name: string) => fixture(`linux/${name}`).toString('utf8');
const nftJson = (name: string) => (JSON.parse(text(name)) as { nftables: [] }).nftables;
const probe = (system: ReturnType<typeof fakeSystem>['system'], provider: ProviderChoice) =>
  probeFirewall(defaultFirewallSpec({ provider }), { system });

describe('nftables verdict', () => {
  it.each([
    ['nft-j-list-ruleset.input-drop.json.txt', 'on', 'inet filter input: policy drop'],
    [
      'nft-j-list-ruleset.debian-default.json.txt',
      'off',
      'inet filter input: policy accept, no final drop or reject',
    ],
    ['nft-j-list-ruleset.empty.json.txt', 'off', 'no input hook chain'],
    ['nft-j-list-ruleset.iptables-nft-final-reject.json.txt', 'on', 'ip filter INPUT: final rule reject'],
  ])('%s is %s', (name, state, detail) => {
    expect(nftablesVerdict(nftJson(name))).toEqual({ state, detail });
  });

  it('does not count a conditional drop, nor a drop in a chain on another hook', () => {
    const chain = (name: string, hook: string) => ({
      chain: { family: 'inet', table: 't', name, hook, type: 'filter', policy: 'accept' },
    });
    const rule = (chainName: string, expr: Record<string, unknown>[]) => ({
      rule: { family: 'inet', table: 't', chain: chainName, expr },
    });
    const conditional = [
      { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 23 } },
      { drop: null },
    ];
    expect(nftablesVerdict([chain('in', 'input'), rule('in', conditional)]).state).toBe('off');
    expect(nftablesVerdict([chain('fwd', 'forward'), rule('fwd', [{ drop: null }])]).state).toBe('off');
    expect(
      nftablesVerdict([chain('in', 'input'), rule('in', [{ counter: null }, { log: {} }, { reject: null }])])
        .state,
    ).toBe('on');
  });
});

describe('iptables verdict', () => {
  it.each([
    ['iptables-S.input-drop.txt', 'on', 'INPUT policy DROP'],
    ['iptables-S.accept-all.txt', 'off', 'INPUT policy ACCEPT, no final DROP or REJECT rule'],
    ['iptables-S.final-reject.txt', 'on', 'INPUT policy ACCEPT, final rule -j REJECT'],
  ])('%s is %s', (name, state, detail) => {
    expect(iptablesVerdict(text(name))).toEqual({ state, detail });
  });

  it('does not count a conditional final rule', () => {
    expect(iptablesVerdict('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 23 -j DROP\n').state).toBe('off');
    expect(
      iptablesVerdict('-P INPUT ACCEPT\n-A INPUT -m comment --comment "deny rest" -j DROP\n').state,
    ).toBe('on');
  });
});

describe('ufw and firewalld verdicts', () => {
  it.each([
    ['ufw-status.en.active.txt', 'on'],
    ['ufw-status.en.inactive.txt', 'off'],
    ['ufw-status.fr.inactive.txt', 'off'], // "État : inactif" with a no-break space
  ])('ufw %s is %s', (name, state) => {
    expect(ufwVerdict(text(name)).state).toBe(state);
  });

  it('reads an unknown ufw text as unknown, never off', () => {
    expect(ufwVerdict('ERROR: You need to be root to run this script')).toEqual({
      state: 'unknown',
      detail: 'ufw printed "ERROR: You need to be root to run this script"',
    });
  });

  it.each([
    [0, 'firewall-cmd-state.running.rc0.txt', 'on'],
    [252, 'firewall-cmd-state.not-running.rc252.txt', 'off'],
    [36, 'firewall-cmd-state.no-dbus.rc36.txt', 'unknown'], // no D-Bus: not knowledge, not off
  ])('firewall-cmd --state exit %i is %s', (exitCode, name, state) => {
    expect(firewalldVerdict(exitCode, text(name)).state).toBe(state);
  });
});

describe('Linux providers through the fake runner', () => {
  it('asks ufw in English and re-enables it with --force', async () => {
    const { system, fake } = fakeSystem('linux', { ufw: LINUX.ufw });
    fake.on(LINUX.ufw, UFW.status, { stdout: text('ufw-status.fr.inactive.txt') });
    fake.on(LINUX.ufw, UFW.enable, { stdout: 'Firewall is active and enabled on system startup\n' });
    const result = await probe(system, 'ufw');
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'firewall off: ufw status: inactif (provider ufw)',
    });
    const provider = createProvider('ufw', providerContext(defaultFirewallSpec(), { system }));
    expect(await provider.enable([])).toMatchObject({ ok: true, detail: 'ufw --force enable done' });
    expect(fake.argv()).toEqual([
      [LINUX.ufw, 'status'],
      [LINUX.ufw, '--force', 'enable'],
    ]);
    expect(fake.calls.map((c) => c.env)).toEqual([UFW.env, UFW.env]);
  });

  it.each([
    [0, 'firewall-cmd-state.running.rc0.txt', { outcome: 'up' }],
    [252, 'firewall-cmd-state.not-running.rc252.txt', { outcome: 'down', reason: 'firewall-disabled' }],
    [36, 'firewall-cmd-state.no-dbus.rc36.txt', { outcome: 'down', reason: 'firewall-unknown' }],
  ])('reads firewalld exit %i', async (exitCode, name, expected) => {
    const { system, fake } = fakeSystem('linux', { 'firewall-cmd': LINUX['firewall-cmd'] });
    // firewall-cmd prints "not running" on stderr; the D-Bus error too.
    const output = exitCode === 0 ? { stdout: text(name) } : { stderr: text(name) };
    fake.on(LINUX['firewall-cmd'], FIREWALLD.state, { exitCode, ...output });
    expect(await probe(system, 'firewalld')).toMatchObject(expected);
  });

  it('starts firewalld with systemctl', async () => {
    const { system, fake } = fakeSystem('linux');
    fake.on(LINUX.systemctl, FIREWALLD.start);
    const provider = createProvider('firewalld', providerContext(defaultFirewallSpec(), { system }));
    expect(await provider.enable([])).toMatchObject({ ok: true });
    expect(fake.argv()).toEqual([[LINUX.systemctl, 'start', 'firewalld']]);
  });

  it('reads the legacy iptables backend only when iptables-nft says it holds tables', async () => {
    const { system, fake } = fakeSystem('linux');
    fake
      .on(LINUX['iptables-nft'], IPTABLES.list, {
        stdout: text('iptables-S.accept-all.txt'),
        stderr: `# Warning: ${LEGACY_TABLES_WARNING}, use iptables-legacy to see them\n`,
      })
      .on(LINUX['iptables-legacy'], IPTABLES.list, { stdout: text('iptables-S.input-drop.txt') });
    const result = await probe(system, 'iptables');
    expect(result).toMatchObject({ outcome: 'up' });
    expect(result.detail).toBe(
      'firewall on: nf_tables: INPUT policy ACCEPT, no final DROP or REJECT rule; legacy: INPUT policy DROP (provider iptables)',
    );
    expect(fake.argv()).toEqual([
      [LINUX['iptables-nft'], '-S', 'INPUT'],
      [LINUX['iptables-legacy'], '-S', 'INPUT'],
    ]);
  });

  it('picks the Linux manager that is filtering, before the installed ones that are not', async () => {
    const { system, fake } = fakeSystem('linux', { ufw: LINUX.ufw, nft: LINUX.nft });
    fake
      .on(LINUX.ufw, UFW.status, { stdout: text('ufw-status.en.inactive.txt') })
      .on(LINUX.nft, NFT.list, { stdout: text('nft-j-list-ruleset.input-drop.json.txt') });
    const result = await probe(system, 'auto');
    expect(result).toMatchObject({
      outcome: 'up',
      detail: 'firewall on: inet filter input: policy drop (provider nftables)',
    });
    expect(result.firewall.found).toEqual(['ufw', 'nftables']);
  });

  it('falls back to the first manager installed when none filters, so that enable uses it', async () => {
    const { system, fake } = fakeSystem('linux', { ufw: LINUX.ufw, nft: LINUX.nft });
    fake
      .on(LINUX.ufw, UFW.status, { stdout: text('ufw-status.en.inactive.txt') })
      .on(LINUX.nft, NFT.list, { stdout: text('nft-j-list-ruleset.debian-default.json.txt') });
    const result = await probe(system, 'auto');
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'firewall off: ufw status: inactive (provider ufw)',
    });
  });

  it('says unknown when nft cannot list the ruleset', async () => {
    const { system, fake } = fakeSystem('linux', { nft: LINUX.nft });
    fake.on(LINUX.nft, NFT.list, { exitCode: 1, stderr: 'Error: Operation not permitted' });
    expect(await probe(system, 'nftables')).toMatchObject({
      outcome: 'down',
      reason: 'firewall-unknown',
      detail: 'cannot read the firewall (provider nftables): nft exited 1: Error: Operation not permitted',
    });
  });

  it('refuses to load a missing or relative ruleset file, running nothing', async () => {
    const { system, fake } = fakeSystem('linux');
    for (const nftablesRuleset of ['/nonexistent/nftables.conf', 'nftables.conf']) {
      const ctx = providerContext(defaultFirewallSpec(), { system, providerOptions: { nftablesRuleset } });
      const result = await createProvider('nftables', ctx).enable([]);
      expect(result.ok).toBe(false);
      expect(result.detail).toMatch(/^cannot load the nftables ruleset: /);
    }
    expect(fake.calls).toEqual([]);
  });
});
