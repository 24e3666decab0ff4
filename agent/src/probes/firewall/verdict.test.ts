import { describe, expect, it } from 'vitest';
import type { FirewallStatus, ProfileStatus } from './provider.js';
import { firewallVerdict } from './verdict.js';

const profile = (
  name: ProfileStatus['profile'],
  state: ProfileStatus['state'],
  extra: Partial<ProfileStatus> = {},
): ProfileStatus => ({
  profile: name,
  state,
  detail: `Enabled=${state}`,
  ...extra,
});
const status = (profiles: ProfileStatus[], extra: Partial<FirewallStatus> = {}): FirewallStatus => ({
  provider: 'powershell',
  profiles,
  notes: [],
  ...extra,
});
const running = { name: 'MpsSvc', state: 'running', detail: '' } as const;
const stopped = { name: 'MpsSvc', state: 'stopped', detail: '' } as const;

describe('firewallVerdict', () => {
  it.each([
    // every profile on and the service running: up
    [
      status([profile('domain', 'on'), profile('public', 'on')], { service: running }),
      'up',
      undefined,
      'domain, public are on (provider powershell)',
    ],
    // one profile off: disabled, naming the profile and the provider
    [
      status([profile('domain', 'on'), profile('public', 'off')]),
      'down',
      'firewall-disabled',
      'public is off (Enabled=off) (provider powershell)',
    ],
    // two off, one unknown: disabled (certain) with the unknown one mentioned
    [
      status([profile('domain', 'off'), profile('private', 'off'), profile('public', 'unknown')]),
      'down',
      'firewall-disabled',
      'domain, private are off (Enabled=off) (provider powershell); unknown: public',
    ],
    // a profile off under Group Policy: gpo-override, local ones listed too
    [
      status(
        [profile('domain', 'off', { gpoOverride: true }), profile('public', 'off', { gpoOverride: false })],
        { gpo: { detail: 'LocalPolicyModifyState=1' } },
      ),
      'down',
      'gpo-override',
      'domain is off by Group Policy (provider powershell); LocalPolicyModifyState=1; also off: public',
    ],
    // the service stopped beats everything: nothing filters at all
    [
      status([profile('domain', 'off', { gpoOverride: true })], { service: stopped }),
      'down',
      'service-stopped',
      'firewall service MpsSvc is stopped (provider powershell); off: domain',
    ],
    // a state nobody could read: unknown, never up
    [
      status([profile('domain', 'unknown')]),
      'down',
      'firewall-unknown',
      'domain is unknown (Enabled=unknown) (provider powershell)',
    ],
    // all on but the service state unknown: not up either
    [
      status([profile('domain', 'on')], { service: { name: 'MpsSvc', state: 'unknown', detail: '' } }),
      'down',
      'firewall-unknown',
      'service MpsSvc state unknown (provider powershell)',
    ],
    // Linux: one host entry with the chain that filters
    [
      status([profile('host', 'on', { detail: 'inet filter input: policy drop' })], { provider: 'nftables' }),
      'up',
      undefined,
      'firewall on: inet filter input: policy drop (provider nftables)',
    ],
  ] as const)('%#: %s %s', (input, outcome, reason, detail) => {
    expect(firewallVerdict(input)).toEqual({ outcome, ...(reason && { reason }), detail });
  });
});
