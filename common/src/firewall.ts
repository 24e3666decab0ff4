/**
 * The words of firewall checks, shared by the policy (common), the contract mapping (controller)
 * and the probe (agent), so that the three lists never drift apart.
 */

/** Windows firewall profiles. Linux has none: its providers report one `host` entry. */
export const FIREWALL_PROFILES = ['domain', 'private', 'public'] as const;
export type FirewallProfile = (typeof FIREWALL_PROFILES)[number];
/** A profile a firewall report names: a Windows profile, or `host` for a Linux firewall. */
export type ProfileName = FirewallProfile | 'host';
/** What a provider read of one profile; the Windows firewall service reports running as `on`. */
export type ProfileState = 'on' | 'off' | 'unknown';

/**
 * `off`: not monitored. `notify`: report only. `enable`: turn the firewall back on, then verify.
 * `enable-or-reboot`: and reboot (through the reboot guard) when it stays off.
 */
export const FIREWALL_MODES = ['off', 'notify', 'enable', 'enable-or-reboot'] as const;
export type FirewallMode = (typeof FIREWALL_MODES)[number];

export const WINDOWS_PROVIDERS = ['powershell', 'netsh'] as const;
export const LINUX_PROVIDERS = ['firewalld', 'ufw', 'nftables', 'iptables'] as const;
export const PROVIDER_NAMES = [...WINDOWS_PROVIDERS, ...LINUX_PROVIDERS] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export type ProviderChoice = 'auto' | ProviderName;

/** What the agent does by itself when a check reaches its threshold. */
export const RESPONSE_KINDS = ['restart-service', 'run-program', 'firewall-enable', 'reboot'] as const;
export type ResponseKind = (typeof RESPONSE_KINDS)[number];

/**
 * How a response round ended. `recovered`: the verification came back up; no incident. `failed`:
 * every response ran and the check is still down. `denied` / `suppressed`: a response was not run
 * (local config, reboot guard, Group Policy); the alert goes ahead. `rebooting`: the host is going
 * down; the agent probes again when it is back. `none`: no response configured.
 */
export const RESPONSE_VERDICTS = [
  'recovered',
  'failed',
  'denied',
  'suppressed',
  'rebooting',
  'none',
] as const;
export type ResponseVerdict = (typeof RESPONSE_VERDICTS)[number];

/**
 * `done`: every command ran and exited 0 (whether it helped is the verification's to say).
 * `failed`: a command failed, timed out or could not be built. `denied`: the local config does
 * not allow it; nothing ran. `suppressed`: the reboot guard or Group Policy held it back.
 */
export const RESPONSE_STATUSES = ['done', 'failed', 'denied', 'suppressed'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
