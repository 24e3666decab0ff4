import type { Labels } from '../labels.js';
import type { ChannelDocument } from './schema.js';

/** A check with every default filled in and durations in milliseconds. */
export interface ResolvedCheck {
  id: string;
  name: string;
  host: string;
  port: number;
  send?: string;
  crlf: boolean;
  extraCrlf: boolean;
  expect?: string;
  intervalMs: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  failuresBeforeAlert: number;
  alertGroup: string;
  enabled: boolean;
  agents: Labels;
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
}

export const POLICY_DEFAULTS = {
  intervalMs: 120_000,
  timeoutMs: 10_000,
  failuresBeforeAlert: 1,
  host: '127.0.0.1',
  maxBytes: 4096,
} as const;
