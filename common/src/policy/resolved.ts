import type { Labels } from '../labels.js';
import type { ChannelDocument } from './schema.js';

/** A check with every default filled in and durations in milliseconds. JSON as stored. */
export interface ResolvedCheck {
  id: string;
  name: string;
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
  intervalMs: number;
  timeoutMs: number;
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
  failuresBeforeAlert: number;
  alertGroup: string;
  enabled: boolean;
  agents: Labels;
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
}

/** What the controller stores as a revision and computes agent configs from. */
export interface ResolvedPolicy {
  checks: ResolvedCheck[];
  alertGroups: Record<string, ResolvedAlertGroup>;
  /** Absent in revisions stored before the section existed. */
  liveness?: ResolvedLiveness;
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
  host: '127.0.0.1',
  maxBytes: 4096,
} as const;
