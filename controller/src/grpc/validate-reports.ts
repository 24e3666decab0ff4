import type {
  FirewallProfile,
  ProviderName,
  ResponseKind,
  ResponseStatus,
  ResponseVerdict,
} from '@portwarden/common/firewall';
import { isReason } from '@portwarden/common/reasons';
import {
  FirewallProfile as WireProfile,
  FirewallProvider as WireProvider,
  FirewallState as WireState,
  Outcome,
  ResponseKind as WireKind,
  ResponseStatus as WireStatus,
  ResponseVerdict as WireVerdict,
  type FirewallReport as WireFirewall,
  type ProbeSummary as WireSummary,
  type Result,
  type ResponseReport as WireResponse,
} from '@portwarden/proto/agent/v1';
import type { IncomingResult } from '../ingest/types.js';
import type { FirewallReport, ProbeSummary, ProfileState, ResponseReport } from '../ingest/reports.js';
import { InvalidMessageError, validateResults } from './validate.js';

/** Bounds on the firewall and response parts of a result; counts beyond them break the contract. */
export const REPORT_LIMITS = {
  profiles: 8,
  notes: 32,
  attempts: 8,
  commands: 16,
  argv: 64,
  text: 4096,
  short: 1024,
} as const;

const cut = (text: string, max: number = REPORT_LIMITS.text) => text.slice(0, max);

/** The firewall report, response report and failure count of a result; `{}` for a plain result. */
export function validateResultParts(
  r: Pick<Result, 'firewall' | 'response' | 'consecutiveFailures' | 'responds'>,
  path: string,
): Pick<IncomingResult, 'firewall' | 'response' | 'consecutiveFailures' | 'responds'> {
  return {
    consecutiveFailures: r.consecutiveFailures,
    responds: r.responds,
    firewall: r.firewall ? validateFirewall(r.firewall, `${path}.firewall`) : null,
    response: r.response ? validateResponse(r.response, `${path}.response`) : null,
  };
}

/** A TestResult's result: a result in every way except that it is not sequenced (seq 0). */
export function validateTestResult(r: Result): Omit<IncomingResult, 'seq'> {
  const { seq: _seq, ...rest } = validateResults([{ ...r, seq: 1 }])[0]!;
  return rest;
}

function count<T>(items: T[], max: number, path: string): T[] {
  if (items.length > max)
    throw new InvalidMessageError(`${path} has ${items.length} entries; at most ${max}`);
  return items;
}

function known<E extends number, T>(table: Partial<Record<E, T>>, value: E, path: string): T {
  const found = table[value];
  if (found === undefined) throw new InvalidMessageError(`${path} has an unknown value ${value}`);
  return found;
}

function validateFirewall(wire: WireFirewall, path: string): FirewallReport {
  const report: FirewallReport = {
    provider:
      wire.provider === WireProvider.FIREWALL_PROVIDER_UNSPECIFIED
        ? null
        : known(PROVIDERS, wire.provider, `${path}.provider`),
    found: count(wire.found, PROVIDER_COUNT, `${path}.found`).map((p, i) =>
      known(PROVIDERS, p, `${path}.found[${i}]`),
    ),
    profiles: count(wire.profiles, REPORT_LIMITS.profiles, `${path}.profiles`).map((p, i) => ({
      profile: known(PROFILES, p.profile, `${path}.profiles[${i}].profile`),
      state: known(STATES, p.state, `${path}.profiles[${i}].state`),
      detail: cut(p.detail, REPORT_LIMITS.short),
      ...(p.gpoOverride !== undefined && { gpoOverride: p.gpoOverride }),
    })),
    notes: count(wire.notes, REPORT_LIMITS.notes, `${path}.notes`).map((n) => cut(n, REPORT_LIMITS.short)),
  };
  if (wire.service) {
    report.service = {
      name: cut(wire.service.name, 64),
      state: known(STATES, wire.service.state, `${path}.service.state`),
      detail: cut(wire.service.detail, REPORT_LIMITS.short),
    };
  }
  return report;
}

function validateResponse(wire: WireResponse, path: string): ResponseReport {
  if (!wire.trigger) throw new InvalidMessageError(`${path}.trigger is missing`);
  return {
    verdict: known(VERDICTS, wire.verdict, `${path}.verdict`),
    trigger: summary(wire.trigger, `${path}.trigger`),
    attempts: count(wire.attempts, REPORT_LIMITS.attempts, `${path}.attempts`).map((a, i) => {
      const at = `${path}.attempts[${i}]`;
      if (a.reason !== '' && !isReason(a.reason))
        throw new InvalidMessageError(`${at}.reason "${a.reason.slice(0, 40)}" is not a known reason`);
      return {
        kind: known(KINDS, a.kind, `${at}.kind`),
        target: cut(a.target, REPORT_LIMITS.short),
        status: known(STATUSES, a.status, `${at}.status`),
        reason: a.reason,
        detail: cut(a.detail),
        startedAt: new Date(
          Number.isFinite(a.startedAtUnixMs) && a.startedAtUnixMs > 0 ? a.startedAtUnixMs : 0,
        ).toISOString(),
        durationMs: a.durationMs,
        verification: a.verification ? summary(a.verification, `${at}.verification`) : null,
        commands: count(a.commands, REPORT_LIMITS.commands, `${at}.commands`).map((c) => ({
          argv: count(c.argv, REPORT_LIMITS.argv, `${at}.commands.argv`).map((arg) =>
            cut(arg, REPORT_LIMITS.short),
          ),
          exitCode: c.exitCode ?? null,
          timedOut: c.timedOut,
          spawnError: cut(c.spawnError, 64),
          durationMs: c.durationMs,
          output: cut(c.output, REPORT_LIMITS.short),
        })),
      };
    }),
  };
}

function summary(wire: WireSummary, path: string): ProbeSummary {
  const outcome =
    wire.outcome === Outcome.OUTCOME_UP ? 'up' : wire.outcome === Outcome.OUTCOME_DOWN ? 'down' : undefined;
  if (!outcome) throw new InvalidMessageError(`${path}.outcome must be UP or DOWN`);
  if (outcome === 'down' && !isReason(wire.reason))
    throw new InvalidMessageError(`${path}.reason "${wire.reason.slice(0, 40)}" is not a known reason`);
  return {
    outcome,
    reason: outcome === 'down' && isReason(wire.reason) ? wire.reason : '',
    detail: cut(wire.detail),
    durationMs: wire.durationMs,
  };
}

const PROVIDERS: Partial<Record<WireProvider, ProviderName>> = {
  [WireProvider.FIREWALL_PROVIDER_POWERSHELL]: 'powershell',
  [WireProvider.FIREWALL_PROVIDER_NETSH]: 'netsh',
  [WireProvider.FIREWALL_PROVIDER_FIREWALLD]: 'firewalld',
  [WireProvider.FIREWALL_PROVIDER_UFW]: 'ufw',
  [WireProvider.FIREWALL_PROVIDER_NFTABLES]: 'nftables',
  [WireProvider.FIREWALL_PROVIDER_IPTABLES]: 'iptables',
};
const PROVIDER_COUNT = Object.keys(PROVIDERS).length;

const PROFILES: Partial<Record<WireProfile, FirewallProfile | 'host'>> = {
  [WireProfile.FIREWALL_PROFILE_DOMAIN]: 'domain',
  [WireProfile.FIREWALL_PROFILE_PRIVATE]: 'private',
  [WireProfile.FIREWALL_PROFILE_PUBLIC]: 'public',
  [WireProfile.FIREWALL_PROFILE_HOST]: 'host',
};

const STATES: Partial<Record<WireState, ProfileState>> = {
  [WireState.FIREWALL_STATE_ON]: 'on',
  [WireState.FIREWALL_STATE_OFF]: 'off',
  [WireState.FIREWALL_STATE_UNKNOWN]: 'unknown',
};

const VERDICTS: Partial<Record<WireVerdict, ResponseVerdict>> = {
  [WireVerdict.RESPONSE_VERDICT_RECOVERED]: 'recovered',
  [WireVerdict.RESPONSE_VERDICT_FAILED]: 'failed',
  [WireVerdict.RESPONSE_VERDICT_DENIED]: 'denied',
  [WireVerdict.RESPONSE_VERDICT_SUPPRESSED]: 'suppressed',
  [WireVerdict.RESPONSE_VERDICT_REBOOTING]: 'rebooting',
  [WireVerdict.RESPONSE_VERDICT_NONE]: 'none',
};

const KINDS: Partial<Record<WireKind, ResponseKind>> = {
  [WireKind.RESPONSE_KIND_RESTART_SERVICE]: 'restart-service',
  [WireKind.RESPONSE_KIND_RUN_PROGRAM]: 'run-program',
  [WireKind.RESPONSE_KIND_FIREWALL_ENABLE]: 'firewall-enable',
  [WireKind.RESPONSE_KIND_REBOOT]: 'reboot',
};

const STATUSES: Partial<Record<WireStatus, ResponseStatus>> = {
  [WireStatus.RESPONSE_STATUS_DONE]: 'done',
  [WireStatus.RESPONSE_STATUS_FAILED]: 'failed',
  [WireStatus.RESPONSE_STATUS_DENIED]: 'denied',
  [WireStatus.RESPONSE_STATUS_SUPPRESSED]: 'suppressed',
};
