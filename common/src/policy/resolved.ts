import type { FirewallMode, FirewallProfile, ProviderChoice } from '../firewall.js';
import type { Labels } from '../labels.js';
import type { Matcher } from '../matchers.js';
import type { ChannelDocument } from './schema.js';

/**
 * A check with every default filled in and durations in milliseconds. JSON as stored: revisions
 * stored before firewall checks existed have no `kind`, and are port checks; test
 * `kind === 'firewall'`, never `kind === 'port'`.
 */
export type ResolvedCheck = ResolvedPortCheck | ResolvedFirewallCheck;

/** What every kind of check has. */
export interface ResolvedCheckBase {
  id: string;
  name: string;
  intervalMs: number;
  /** The whole probe's time limit. */
  timeoutMs: number;
  failuresBeforeAlert: number;
  /** Consecutive successes before an open incident resolves. Absent in revisions stored before it existed: 1. */
  successesBeforeResolve?: number;
  /** Flap detection; absent: off. */
  flapping?: ResolvedFlapping;
  alertGroup: string;
  enabled: boolean;
  agents: Labels;
}

/** More than `changes` state changes (incident opened or resolved) within `windowMs` is flapping. */
export interface ResolvedFlapping {
  changes: number;
  windowMs: number;
}

export interface ResolvedFirewallCheck extends ResolvedCheckBase {
  kind: 'firewall';
  firewall: ResolvedFirewall;
}

/** The mode implies the responses: `enable` re-enables, `enable-or-reboot` then reboots. */
export interface ResolvedFirewall {
  mode: FirewallMode;
  profiles: FirewallProfile[];
  provider: ProviderChoice;
}

/** A response of a port check, as the agent runs it (if its local config allows it). */
export type ResolvedResponse =
  | { kind: 'restart-service'; service: string; timeoutMs: number }
  | { kind: 'run-program'; path: string; args: string[]; timeoutMs: number }
  | { kind: 'reboot' };

export interface ResolvedPortCheck extends ResolvedCheckBase {
  kind: 'port';
  host: string;
  port: number;
  family: 'auto' | 'ipv4' | 'ipv6';
  addresses: 'first' | 'all' | 'any';
  /** The dialogue; the send/expect shorthand becomes [send, expect]. Empty: connecting is enough. */
  steps: ResolvedStep[];
  crlf: boolean;
  extraCrlf: boolean;
  /** Escapes not decoded; '' for none. */
  quit: string;
  maxBytes: number;
  connectTimeoutMs: number;
  /** 0: off. */
  slowAfterMs: number;
  tls: boolean;
  starttls: 'none' | 'smtp' | 'imap' | 'pop3' | 'ftp';
  /** '' for no SNI. */
  sni: string;
  tlsVerify: boolean;
  /** '' for the system's roots. */
  caFile: string;
  /** 0: off. */
  certExpiresWithinMs: number;
  expectClosed: boolean;
  transcript: boolean;
  /** Absent: no response; an incident opens at the threshold. */
  response?: ResolvedResponse;
}

/** `send` keeps its escapes as written; the controller decodes them for the agent. */
export type ResolvedStep = { send: string } | { expect: ResolvedExpectation };

export interface ResolvedExpectation {
  texts: string[];
  regexes: string[];
  mode: 'all' | 'any';
  ignoreCase: boolean;
}

export interface ResolvedAlertGroup {
  id: string;
  name: string;
  channels: ChannelDocument[];
  /** Absent in revisions stored before repeats existed: `POLICY_DEFAULTS.repeatIntervalMs`. */
  repeatIntervalMs?: number;
  /** Escalation steps in order; absent or empty: none. */
  escalate?: ResolvedEscalation[];
  /** Present only when the group groups its firing incidents (`groupBy`). */
  grouping?: ResolvedGrouping;
}

export interface ResolvedEscalation {
  afterMs: number;
  /** An alert group of the same policy. */
  to: string;
}

/** `groupBy` and `groupWait` of an alert group. */
export interface ResolvedGrouping {
  /** `agent`, `check` (the check id) or an agent label's name. */
  by: string[];
  waitMs: number;
}

/** What the controller stores as a revision and computes agent configs from. */
export interface ResolvedPolicy {
  checks: ResolvedCheck[];
  alertGroups: Record<string, ResolvedAlertGroup>;
  /** Absent in revisions stored before the section existed. */
  liveness?: ResolvedLiveness;
  /** Absent in revisions stored before maintenance windows existed. */
  maintenance?: ResolvedMaintenance[];
}

/** A maintenance window: starts by `cron` in `timeZone` (a weekly schedule becomes cron), lasts `durationMs`. */
export interface ResolvedMaintenance {
  name: string;
  cron: string;
  timeZone: string;
  durationMs: number;
  matchers: Matcher[];
}

export interface ResolvedLiveness {
  silenceMs: number;
  /** Undefined: the incident is recorded and shown, nobody is notified. */
  alertGroup?: string;
}

export const POLICY_DEFAULTS = {
  livenessSilenceMs: 30_000,
  intervalMs: 120_000,
  timeoutMs: 10_000,
  failuresBeforeAlert: 1,
  successesBeforeResolve: 1,
  host: '127.0.0.1',
  maxBytes: 4096,
  /** Firewall tools (PowerShell above all) can be slow to start: firewall checks get longer. */
  firewallTimeoutMs: 60_000,
  /** Restarting a service or running a program. */
  responseTimeoutMs: 60_000,
  /** Alertmanager's default `repeat_interval`. */
  repeatIntervalMs: 4 * 60 * 60 * 1000,
  /** `groupWait` when `groupBy` is set, as Alertmanager's `group_wait`. */
  groupWaitMs: 30_000,
} as const;

/** Narrows a check to a port check (stored revisions without `kind` are port checks). */
export function isPortCheck(check: ResolvedCheck): check is ResolvedPortCheck {
  return check.kind !== 'firewall';
}

/** Whether the agent runs a response before the check may alert: the controller then waits for its report. */
export function respondsFirst(check: ResolvedCheck): boolean {
  if (check.kind === 'firewall')
    return check.firewall.mode === 'enable' || check.firewall.mode === 'enable-or-reboot';
  return check.response !== undefined;
}
