import { silentLogger, type Logger } from '@portwarden/common/logger';
import { providerContext } from '../probes/firewall/probe.js';
import { summarize, type FirewallProvider } from '../probes/firewall/provider.js';
import type { FirewallReport } from '../probes/firewall/report.js';
import { selectProvider } from '../probes/firewall/select.js';
import { FIREWALL_PROFILES, type FirewallProfile } from '../probes/firewall/spec.js';
import { redactText } from '../system/redact.js';
import type { SystemDeps } from '../system/system.js';
import { deniedBecause, type ResponsesConfig } from './allow.js';
import type { AuditedCheck, AuditSink } from './audit.js';
import { rebootCommand, restartServiceCommand, runProgramCommand, type Built } from './commands.js';
import type { GpoState, RebootGuard } from './guard.js';
import type { ResponseOutcome } from './outcome.js';
import { responseTarget, type ResponseSpec } from './spec.js';

export interface ResponseContext {
  check: AuditedCheck;
  /** The check's latest result: the reboot guard reads Group Policy from a firewall report. */
  last: { reason?: string; firewall?: FirewallReport };
}

export interface Responder {
  /** Runs one response if this agent allows it; writes it to the audit log; never throws. */
  execute(response: ResponseSpec, context: ResponseContext): Promise<ResponseOutcome>;
}

export interface ResponderOptions {
  system: SystemDeps;
  /** The agent's local allow-list and settings. */
  config: ResponsesConfig;
  guard: RebootGuard;
  audit: AuditSink;
  /** @default Date.now */
  now?: () => number;
  /** @default a silent logger */
  logger?: Logger;
}

type Result = Pick<ResponseOutcome, 'status' | 'detail' | 'commands'> & {
  reason?: ResponseOutcome['reason'];
};

export function createResponder(options: ResponderOptions): Responder {
  const now = options.now ?? Date.now;
  const log = options.logger ?? silentLogger();
  const { system, config } = options;

  const run = async (built: Built, what: string): Promise<Result> => {
    if ('problem' in built) return { status: 'failed', detail: `${what}: ${built.problem}`, commands: [] };
    const result = await system.run(built.command);
    const summary = summarize(built.command, result);
    const ok = result.exitCode === 0 && !result.timedOut && !result.spawnError;
    const how = ok
      ? 'done'
      : summary.spawnError
        ? `could not start (${summary.spawnError})`
        : summary.timedOut
          ? 'timed out'
          : `exited ${summary.exitCode}`;
    return { status: ok ? 'done' : 'failed', detail: `${what}: ${how}`, commands: [summary] };
  };

  const perform = async (response: ResponseSpec, context: ResponseContext): Promise<Result> => {
    switch (response.kind) {
      case 'restart-service':
        return run(
          await restartServiceCommand(response.service, response.timeoutMs, system),
          `restart ${response.service}`,
        );
      case 'run-program':
        return run(
          runProgramCommand(response.path, response.args, response.timeoutMs),
          `run ${response.path}`,
        );
      case 'firewall-enable':
        return enableFirewall(response, options);
      case 'reboot': {
        const decision = await options.guard.request(gpoState(context.last, system.platform));
        if (!decision.allowed) {
          return {
            status: 'suppressed',
            reason: 'reboot-suppressed',
            detail: `reboot held back: ${decision.detail}`,
            commands: [],
          };
        }
        const why = `Portwarden: check '${context.check.name}' failed and its response did not fix it; ${decision.detail}`;
        return run(await rebootCommand(why, system), 'reboot');
      }
    }
  };

  return {
    async execute(response, context) {
      const startedAtUnixMs = now();
      const started = performance.now();
      const base = { kind: response.kind, target: responseTarget(response) };
      const denied = deniedBecause(response, config, system.platform);
      let result: Result;
      if (denied) {
        result = { status: 'denied', reason: 'response-denied', detail: denied, commands: [] };
      } else {
        await audit(options.audit, log, {
          event: 'started',
          check: context.check,
          response: { ...base, startedAtUnixMs },
        });
        try {
          result = await perform(response, context);
        } catch (err) {
          // Whatever threw may quote the arguments it was given; the detail reaches the audit log.
          result = {
            status: 'failed',
            detail: `${response.kind} failed: ${redactText((err as Error).message)}`,
            commands: [],
          };
        }
      }
      const outcome: ResponseOutcome = {
        ...base,
        ...result,
        startedAtUnixMs,
        durationMs: Math.round(performance.now() - started),
      };
      await audit(options.audit, log, { event: 'finished', check: context.check, response: outcome });
      log.info(
        { check: context.check.id, response: { ...outcome, commands: outcome.commands.length } },
        'response',
      );
      return outcome;
    },
  };
}

/** An audit line that cannot be written is logged; the response is still reported to the controller. */
async function audit(sink: AuditSink, log: Logger, record: Omit<Parameters<AuditSink['append']>[0], 'at'>) {
  try {
    await sink.append({ at: new Date().toISOString(), ...record });
  } catch (err) {
    log.error({ err }, 'cannot write the response audit log');
  }
}

/**
 * Reads the firewall first: profiles Group Policy keeps off are left alone, and when every profile
 * that is off is one of them nothing runs (`gpo-override`). Otherwise the provider turns the rest
 * back on (starting the service when it is stopped).
 */
async function enableFirewall(
  response: Extract<ResponseSpec, { kind: 'firewall-enable' }>,
  options: ResponderOptions,
): Promise<Result> {
  const spec = {
    mode: 'enable' as const,
    profiles: response.profiles,
    provider: response.provider,
    timeoutMs: response.timeoutMs,
  };
  const ctx = providerContext(spec, { system: options.system, providerOptions: options.config.firewall });
  const selection = await selectProvider(response.provider, ctx);
  const provider: FirewallProvider | undefined = selection.provider;
  if (!provider)
    return { status: 'failed', detail: `no firewall provider: ${selection.detail}`, commands: [] };
  const status = selection.status ?? (await provider.status(response.profiles));
  const notOn = status.profiles.filter((p) => p.state !== 'on');
  const held = notOn.filter((p) => p.gpoOverride === true);
  const local = notOn.filter((p) => p.gpoOverride !== true);
  const stopped = status.service?.state === 'stopped';
  const by = `(provider ${status.provider})`;
  if (notOn.length === 0 && !stopped)
    return { status: 'done', detail: `firewall already on ${by}; nothing run`, commands: [] };
  if (local.length === 0 && !stopped) {
    const detail = `Group Policy keeps ${held.map((p) => p.profile).join(', ')} off; not re-enabled ${by}`;
    return { status: 'suppressed', reason: 'gpo-override', detail, commands: [] };
  }
  const profiles = local
    .map((p) => p.profile)
    .filter((p): p is FirewallProfile => FIREWALL_PROFILES.includes(p as FirewallProfile));
  const result = await provider.enable(profiles);
  const left = held.length ? `; left to Group Policy: ${held.map((p) => p.profile).join(', ')}` : '';
  return {
    status: result.ok ? 'done' : 'failed',
    detail: `${result.detail} ${by}${left}`,
    commands: result.commands,
  };
}

/** Group Policy as the last result shows it. Only a Windows firewall report can say override or unknown. */
export function gpoState(last: ResponseContext['last'], platform: NodeJS.Platform): GpoState {
  if (last.reason === 'gpo-override') return 'override';
  const profiles = last.firewall?.profiles ?? [];
  if (profiles.some((p) => p.gpoOverride === true)) return 'override';
  // A profile off for reasons not known: Group Policy is not ruled out. (Unknown states are no GPO question.)
  const off = profiles.filter((p) => p.profile !== 'host' && p.state === 'off');
  if (platform === 'win32' && off.some((p) => p.gpoOverride === undefined)) return 'unknown';
  return 'none';
}
