import { createFirewalldProvider } from './linux/firewalld.js';
import { createIptablesProvider } from './linux/iptables.js';
import { createNftablesProvider } from './linux/nftables.js';
import { createUfwProvider } from './linux/ufw.js';
import {
  ProviderUnavailableError,
  type FirewallProvider,
  type FirewallStatus,
  type ProviderContext,
} from './provider.js';
import { LINUX_PROVIDERS, WINDOWS_PROVIDERS, type ProviderChoice, type ProviderName } from './spec.js';
import { createNetshProvider } from './windows/netsh.js';
import { createPowerShellProvider } from './windows/powershell.js';

const FACTORIES: Record<ProviderName, (ctx: ProviderContext) => FirewallProvider> = {
  powershell: createPowerShellProvider,
  netsh: createNetshProvider,
  firewalld: createFirewalldProvider,
  ufw: createUfwProvider,
  nftables: createNftablesProvider,
  iptables: createIptablesProvider,
};

export function createProvider(name: ProviderName, ctx: ProviderContext): FirewallProvider {
  return FACTORIES[name](ctx);
}

export interface Selection {
  /** The provider to use; undefined when none fits this host. */
  provider?: FirewallProvider;
  /** Providers whose tools this host has, in order of preference. */
  found: ProviderName[];
  /** Why this provider, or why none. */
  detail: string;
  /** The state the chosen provider read while detecting, when it did (Linux). */
  status?: FirewallStatus;
}

/**
 * `auto` on Windows: PowerShell, falling back to netsh whenever PowerShell cannot read the state.
 * On Linux: the first manager that is filtering now, else the first installed, in the order
 * firewalld, ufw, nftables, iptables (a manager before the layers it drives).
 */
export async function selectProvider(choice: ProviderChoice, ctx: ProviderContext): Promise<Selection> {
  if (choice !== 'auto') {
    const provider = createProvider(choice, ctx);
    const detection = await provider.detect();
    const selection: Selection = {
      provider,
      found: detection.found ? [choice] : [],
      detail: `provider ${choice} (configured)`,
    };
    return detection.status ? { ...selection, status: detection.status } : selection;
  }
  if (ctx.platform === 'win32') return selectWindows(ctx);
  if (ctx.platform === 'linux') return selectLinux(ctx);
  return { found: [], detail: `no firewall provider for ${ctx.platform}` };
}

async function selectWindows(ctx: ProviderContext): Promise<Selection> {
  const [primary, fallback] = WINDOWS_PROVIDERS.map((name) => createProvider(name, ctx)) as [
    FirewallProvider,
    FirewallProvider,
  ];
  const found: ProviderName[] = [];
  for (const provider of [primary, fallback]) if ((await provider.detect()).found) found.push(provider.name);
  if (found.length === 0) return { found, detail: 'neither powershell.exe nor netsh.exe found' };
  return { provider: withFallback(primary, fallback), found, detail: 'powershell, falling back to netsh' };
}

async function selectLinux(ctx: ProviderContext): Promise<Selection> {
  const providers = LINUX_PROVIDERS.map((name) => createProvider(name, ctx));
  const detected = [];
  for (const provider of providers) detected.push({ provider, detection: await provider.detect() });
  const found = detected.filter((d) => d.detection.found);
  const active = found.find((d) => d.detection.active);
  const chosen = active ?? found[0];
  const names = found.map((d) => d.provider.name);
  if (!chosen) return { found: names, detail: `none of ${LINUX_PROVIDERS.join(', ')} found` };
  const why = active ? 'the first one filtering' : 'none is filtering; the first one installed';
  const selection: Selection = {
    provider: chosen.provider,
    found: names,
    detail: `${chosen.provider.name}: ${why}`,
  };
  return chosen.detection.status ? { ...selection, status: chosen.detection.status } : selection;
}

/** Reads with the primary provider, and with the fallback when the primary cannot; enables with the one that read. */
export function withFallback(primary: FirewallProvider, fallback: FirewallProvider): FirewallProvider {
  let current = primary;
  return {
    name: primary.name,
    detect: async () => {
      const first = await primary.detect();
      return first.found ? first : fallback.detect();
    },
    async status(profiles): Promise<FirewallStatus> {
      try {
        const status = await primary.status(profiles);
        current = primary;
        return status;
      } catch (err) {
        if (!(err instanceof ProviderUnavailableError)) throw err;
        const status = await fallback.status(profiles);
        current = fallback;
        return {
          ...status,
          notes: [`${primary.name} could not read the firewall: ${err.message}`, ...status.notes],
        };
      }
    },
    enable: (profiles) => current.enable(profiles),
  };
}
