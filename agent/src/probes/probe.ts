import type { Reason } from '@portwarden/common/reasons';
import type { Transcript } from '@portwarden/common/transcript';
import type { FirewallReport } from './firewall/report.js';
import type { FirewallSpec } from './firewall/spec.js';
import type { PortSpec } from './port/spec.js';

/** Milliseconds spent in each phase of one probe; 0 for a phase that did not happen. */
export interface Timings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
  totalMs: number;
}

/** What one execution of a check yields. A `down` result always names a reason. */
export interface ProbeResult {
  outcome: 'up' | 'down';
  reason?: Reason;
  /** Human text; for a mismatch, the first bytes that did arrive (escaped, bounded). */
  detail: string;
  durationMs: number;
  timings: Timings;
  /** What was sent and received, bounded; on down results, and on up results when the check asks. */
  transcript?: Transcript;
  /** A firewall check's state of each profile, and how it was read. */
  firewall?: FirewallReport;
}

export interface ProbeContext {
  /** Aborting it ends the probe at once, its socket destroyed; the result is then meaningless. */
  signal?: AbortSignal;
}

/** The one signature every kind of probe implements. A probe never throws and never leaks. */
export type Probe<Spec> = (spec: Spec, ctx: ProbeContext) => Promise<ProbeResult>;

/**
 * Each check kind and the spec its probe takes. A new kind adds a line here and in `createProbes`
 * (registry.ts).
 */
export interface ProbeSpecs {
  port: PortSpec;
  firewall: FirewallSpec;
}

export type CheckKind = keyof ProbeSpecs;

export type Probes = { [K in CheckKind]: Probe<ProbeSpecs[K]> };
