import { describe, expect, it } from 'vitest';
import { probeFirewall } from './probe.js';
import { defaultFirewallSpec, FIREWALL_SPEC_DEFAULTS } from './spec.js';
import { fakeSystem, LINUX } from './testing/fixtures.js';
import { NFT } from './linux/nftables.js';

describe('the firewall probe', () => {
  it('runs nothing in mode off', async () => {
    const { system, fake } = fakeSystem('linux');
    const result = await probeFirewall(defaultFirewallSpec({ mode: 'off' }), { system });
    expect(result).toMatchObject({ outcome: 'up', detail: 'firewall not monitored (mode off)' });
    expect(fake.calls).toEqual([]);
  });

  it('has the shape of every probe result, with the report besides', async () => {
    const { system, fake } = fakeSystem('linux', { nft: LINUX.nft });
    fake.on(LINUX.nft, NFT.list, { stdout: '{"nftables":[{"metainfo":{}}]}' });
    const result = await probeFirewall(defaultFirewallSpec({ provider: 'nftables' }), { system });
    expect(result).toEqual({
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: 'firewall off: no input hook chain (provider nftables)',
      durationMs: expect.any(Number),
      timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: result.durationMs },
      firewall: {
        provider: 'nftables',
        found: ['nftables'],
        profiles: [{ profile: 'host', state: 'off', detail: 'no input hook chain' }],
        notes: [],
      },
    });
  });

  it('never throws: a runner that fails is firewall-unknown', async () => {
    const { system } = fakeSystem('linux', { nft: LINUX.nft }); // nothing scripted: the fake rejects
    const result = await probeFirewall(defaultFirewallSpec({ provider: 'nftables' }), { system });
    expect(result).toMatchObject({ outcome: 'down', reason: 'firewall-unknown' });
    expect(result.detail).toMatch(/^cannot read the firewall \(provider nftables\): unexpected command/);
  });

  it('says so on a platform without a provider', async () => {
    const { system } = fakeSystem('linux');
    const result = await probeFirewall(defaultFirewallSpec(), { system: { ...system, platform: 'darwin' } });
    expect(result).toMatchObject({
      outcome: 'down',
      reason: 'firewall-unknown',
      detail: 'no firewall provider for darwin',
    });
  });
});

describe('defaultFirewallSpec', () => {
  it('fills every default', () => {
    expect(defaultFirewallSpec()).toEqual(FIREWALL_SPEC_DEFAULTS);
    expect(defaultFirewallSpec()).toEqual({
      mode: 'notify',
      profiles: ['domain', 'private', 'public'],
      provider: 'auto',
      timeoutMs: 60_000,
    });
  });

  it('names every problem', () => {
    const input = {
      mode: 'reboot',
      profiles: ['work'],
      provider: 'pf',
      timeoutMs: 0,
    } as unknown as Parameters<typeof defaultFirewallSpec>[0];
    expect(() => defaultFirewallSpec(input)).toThrow(
      'invalid firewall check: mode: must be one of off, notify, enable, enable-or-reboot; profiles: unknown profile "work"; use domain, private, public; provider: must be auto or one of powershell, netsh, firewalld, ufw, nftables, iptables; timeout: must be positive',
    );
    expect(() => defaultFirewallSpec({ profiles: [] })).toThrow('profiles: name at least one profile');
  });
});
