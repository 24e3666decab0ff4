import type { FirewallStatus } from './provider.js';
import type { ProviderName } from './spec.js';

/** What a firewall result carries besides the verdict: the state of each profile, and how it was read. */
export interface FirewallReport extends Omit<FirewallStatus, 'provider'> {
  /** The provider that read the state; null when none could. */
  provider: ProviderName | null;
  /** Providers whose tools this host has. */
  found: ProviderName[];
}
