import type { FirewallStatus, ProfileStatus } from './provider.js';
import type { FirewallReason } from '@portwarden/common/reasons';

export interface FirewallVerdict {
  outcome: 'up' | 'down';
  reason?: FirewallReason;
  detail: string;
}

/**
 * What a firewall status means for the check, most pressing first: the service stopped (nothing
 * filters), a profile off by Group Policy (nothing local will fix it), a profile off, a state that
 * could not be read. The detail names the profiles and the provider. Pure.
 */
export function firewallVerdict(status: FirewallStatus): FirewallVerdict {
  const by = `(provider ${status.provider})`;
  const off = status.profiles.filter((p) => p.state === 'off');
  const gpo = off.filter((p) => p.gpoOverride === true);
  const unknown = status.profiles.filter((p) => p.state === 'unknown');
  const also = (rest: ProfileStatus[], what: string) => (rest.length ? `; ${what}: ${list(rest)}` : '');
  if (status.service?.state === 'stopped') {
    return {
      outcome: 'down',
      reason: 'service-stopped',
      detail: `firewall service ${status.service.name} is stopped ${by}${also(off, 'off')}${also(unknown, 'unknown')}`,
    };
  }
  if (gpo.length > 0) {
    const local = off.filter((p) => p.gpoOverride !== true);
    const why = status.gpo ? `; ${status.gpo.detail}` : '';
    return {
      outcome: 'down',
      reason: 'gpo-override',
      detail: `${list(gpo)} ${verb(gpo)} off by Group Policy ${by}${why}${also(local, 'also off')}`,
    };
  }
  if (off.length > 0) {
    return {
      outcome: 'down',
      reason: 'firewall-disabled',
      detail: `${describe(off)} ${by}${also(unknown, 'unknown')}`,
    };
  }
  if (unknown.length > 0 || status.profiles.length === 0 || status.service?.state === 'unknown') {
    const what =
      unknown.length > 0 ? describe(unknown) : `service ${status.service?.name ?? '?'} state unknown`;
    return { outcome: 'down', reason: 'firewall-unknown', detail: `${what} ${by}` };
  }
  return { outcome: 'up', detail: `${describe(status.profiles)} ${by}` };
}

/** `public is off`, `private, public are off`; Linux: `off: inet filter input: policy accept, ...`. */
function describe(profiles: ProfileStatus[]): string {
  const state = profiles[0]!.state;
  if (profiles.length === 1 && profiles[0]!.profile === 'host')
    return `firewall ${state}: ${profiles[0]!.detail}`;
  const details = profiles.map((p) => p.detail).filter((d, i, all) => all.indexOf(d) === i);
  return `${list(profiles)} ${verb(profiles)} ${state}${state === 'on' ? '' : ` (${details.join('; ')})`}`;
}

function list(profiles: ProfileStatus[]): string {
  return profiles.map((p) => p.profile).join(', ');
}

function verb(profiles: ProfileStatus[]): string {
  return profiles.length === 1 ? 'is' : 'are';
}
