import type { Logger } from '@portwarden/common/logger';
import type { CheckSpec } from './config/config.js';
import { loadLocalConfig } from './config/local.js';
import type { Probe, ProbeResult, Probes } from './probes/probe.js';
import { createProbes } from './probes/registry.js';
import { openAuditLog } from './responses/audit.js';
import { createResponder } from './responses/executor.js';
import { createRebootGuard } from './responses/guard.js';
import { createRounds, type RoundResult } from './responses/round.js';
import type { SystemDeps } from './system/system.js';

/** How the agent probes its checks, under what its local config allows. */
export interface Probing {
  /** One probe of a check; never throws. */
  probe(check: CheckSpec, signal: AbortSignal): Promise<ProbeResult>;
  /** One scheduled run: the probe, and the check's responses when it reaches its threshold. */
  round(check: CheckSpec, signal: AbortSignal): Promise<RoundResult>;
}

export interface ProbingOptions {
  stateDir: string;
  configFile?: string;
  system: SystemDeps;
  logger: Logger;
}

/**
 * Reads the local config, then builds the probes and the responder (reboot guard and audit log
 * included) from it. Read first: an agent whose local config is wrong must not start half-allowed.
 */
export async function prepareProbing(options: ProbingOptions): Promise<Probing> {
  const { stateDir, system, logger } = options;
  const local = await loadLocalConfig(stateDir, options.configFile, system.platform);
  logger.info({ allow: local.responses.allow }, 'local responses config');
  const probes = createProbes({ system, providerOptions: local.responses.firewall });
  const responder = createResponder({
    system,
    config: local.responses,
    guard: createRebootGuard({ dir: stateDir, options: local.responses.reboot }),
    audit: openAuditLog({ dir: stateDir }),
    logger: logger.child({ component: 'responses' }),
  });
  const probe = (check: CheckSpec, signal: AbortSignal) => guarded(probes, check, signal);
  return { probe, round: createRounds({ probe, responder }) };
}

/** Probes never throw by contract; this guard keeps a bug in one from stopping its check. */
async function guarded(probes: Probes, check: CheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  const run = probes[check.kind] as Probe<CheckSpec['spec']>;
  try {
    return await run(check.spec, { signal });
  } catch (err) {
    const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 };
    return {
      outcome: 'down',
      reason: 'internal',
      detail: `probe failed: ${(err as Error).message}`,
      durationMs: 0,
      timings,
    };
  }
}
