import { isReason } from '@portwarden/common/reasons';
import {
  FirewallProvider,
  type FirewallReport as WireFirewall,
  type ProbeSummary as WireSummary,
  type Result,
  type ResponseReport as WireResponse,
} from '@portwarden/proto/agent/v1';
import {
  FIREWALL_STATE_WORDS,
  PROFILE_NAME_WORDS,
  PROVIDER_NAME_WORDS,
  RESPONSE_KIND_WORDS,
  RESPONSE_STATUS_WORDS,
  RESPONSE_VERDICT_WORDS,
  type WireWords,
} from '@portwarden/proto/agent/v1/words';
import type { IncomingResult } from '../ingest/types.js';
import type { FirewallReport, ProbeSummary, ResponseReport } from '../ingest/reports.js';
import { InvalidMessageError } from './invalid-message.js';
import { validOutcome } from './outcome.js';

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

function count<T>(items: T[], max: number, path: string): T[] {
  if (items.length > max)
    throw new InvalidMessageError(`${path} has ${items.length} entries; at most ${max}`);
  return items;
}

/** The word for an enum value of a report; UNSPECIFIED, like a value this build does not know, is refused. */
function known<W extends string>(words: WireWords<W, number>, value: number, path: string): W {
  const word = words.decode(value);
  if (word === undefined) throw new InvalidMessageError(`${path} has an unknown value ${value}`);
  return word;
}

function validateFirewall(wire: WireFirewall, path: string): FirewallReport {
  const report: FirewallReport = {
    provider:
      wire.provider === FirewallProvider.FIREWALL_PROVIDER_UNSPECIFIED
        ? null
        : known(PROVIDER_NAME_WORDS, wire.provider, `${path}.provider`),
    found: count(wire.found, PROVIDER_NAME_WORDS.words.length, `${path}.found`).map((p, i) =>
      known(PROVIDER_NAME_WORDS, p, `${path}.found[${i}]`),
    ),
    profiles: count(wire.profiles, REPORT_LIMITS.profiles, `${path}.profiles`).map((p, i) => ({
      profile: known(PROFILE_NAME_WORDS, p.profile, `${path}.profiles[${i}].profile`),
      state: known(FIREWALL_STATE_WORDS, p.state, `${path}.profiles[${i}].state`),
      detail: cut(p.detail, REPORT_LIMITS.short),
      ...(p.gpoOverride !== undefined && { gpoOverride: p.gpoOverride }),
    })),
    notes: count(wire.notes, REPORT_LIMITS.notes, `${path}.notes`).map((n) => cut(n, REPORT_LIMITS.short)),
  };
  if (wire.service) {
    report.service = {
      name: cut(wire.service.name, 64),
      state: known(FIREWALL_STATE_WORDS, wire.service.state, `${path}.service.state`),
      detail: cut(wire.service.detail, REPORT_LIMITS.short),
    };
  }
  return report;
}

function validateResponse(wire: WireResponse, path: string): ResponseReport {
  if (!wire.trigger) throw new InvalidMessageError(`${path}.trigger is missing`);
  return {
    verdict: known(RESPONSE_VERDICT_WORDS, wire.verdict, `${path}.verdict`),
    trigger: summary(wire.trigger, `${path}.trigger`),
    attempts: count(wire.attempts, REPORT_LIMITS.attempts, `${path}.attempts`).map((a, i) => {
      const at = `${path}.attempts[${i}]`;
      if (a.reason !== '' && !isReason(a.reason))
        throw new InvalidMessageError(`${at}.reason "${a.reason.slice(0, 40)}" is not a known reason`);
      return {
        kind: known(RESPONSE_KIND_WORDS, a.kind, `${at}.kind`),
        target: cut(a.target, REPORT_LIMITS.short),
        status: known(RESPONSE_STATUS_WORDS, a.status, `${at}.status`),
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
  return {
    ...validOutcome(wire, path),
    detail: cut(wire.detail),
    durationMs: wire.durationMs,
  };
}
