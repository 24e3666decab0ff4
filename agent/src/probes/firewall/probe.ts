import { realSystem, type SystemDeps } from '../../system/system.js';
import type { Probe, ProbeContext, ProbeResult } from '../probe.js';
import { PROVIDER_OPTION_DEFAULTS, type ProviderContext, type ProviderOptions } from './provider.js';
import type { FirewallReport } from './report.js';
import { selectProvider, type Selection } from './select.js';
import type { FirewallSpec } from './spec.js';
import { firewallVerdict } from './verdict.js';

/** A ProbeResult that always carries the firewall report. */
export type FirewallProbeResult = ProbeResult & { firewall: FirewallReport };

export interface FirewallProbeContext extends ProbeContext {
  /** @default the real system (runner, locator, platform) */
  system?: SystemDeps;
  /** Local provider settings (rules files, code page). @default PROVIDER_OPTION_DEFAULTS */
  providerOptions?: Partial<ProviderOptions>;
}

/**
 * Reads the host firewall and judges it against the spec. Mode `off` runs nothing. Never throws:
 * anything unexpected is `firewall-unknown` with the error in the detail. The response a mode
 * implies is not run here: see responses/respond.ts.
 */
export async function probeFirewall(
  spec: FirewallSpec,
  ctx: FirewallProbeContext = {},
): Promise<FirewallProbeResult> {
  const started = performance.now();
  const finish = (verdict: Pick<ProbeResult, 'outcome' | 'reason' | 'detail'>, firewall: FirewallReport) => {
    const durationMs = Math.round(performance.now() - started);
    const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: durationMs };
    return { ...verdict, durationMs, timings, firewall };
  };
  const empty: FirewallReport = { provider: null, found: [], profiles: [], notes: [] };
  if (spec.mode === 'off')
    return finish({ outcome: 'up', detail: 'firewall not monitored (mode off)' }, empty);
  const providerCtx = providerContext(spec, ctx, started);
  let selection: Selection = { found: [], detail: '' };
  try {
    selection = await selectProvider(spec.provider, providerCtx);
    if (!selection.provider) {
      return finish(
        { outcome: 'down', reason: 'firewall-unknown', detail: selection.detail },
        {
          ...empty,
          found: selection.found,
        },
      );
    }
    const status = selection.status ?? (await selection.provider.status(spec.profiles));
    return finish(firewallVerdict(status), { ...status, found: selection.found });
  } catch (err) {
    const by = selection.provider ? ` (provider ${selection.provider.name})` : '';
    const detail = `cannot read the firewall${by}: ${(err as Error).message}`;
    return finish(
      { outcome: 'down', reason: 'firewall-unknown', detail },
      { ...empty, found: selection.found },
    );
  }
}

/** The probe with its dependencies bound, for the registry of probes. */
export function createFirewallProbe(deps: Omit<FirewallProbeContext, 'signal'>): Probe<FirewallSpec> {
  return (spec, ctx) => probeFirewall(spec, { ...deps, ...ctx });
}

/** The context providers run in: the probe's deadline bounds every command. */
export function providerContext(
  spec: FirewallSpec,
  ctx: FirewallProbeContext,
  started = performance.now(),
): ProviderContext {
  const deadline = started + spec.timeoutMs;
  const providerCtx: ProviderContext = {
    ...(ctx.system ?? realSystem()),
    options: { ...PROVIDER_OPTION_DEFAULTS, ...ctx.providerOptions },
    remainingMs: () => deadline - performance.now(),
  };
  if (ctx.signal) providerCtx.signal = ctx.signal;
  return providerCtx;
}
