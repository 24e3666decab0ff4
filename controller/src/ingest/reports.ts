import type {
  ProfileName,
  ProfileState,
  ProviderName,
  ResponseKind,
  ResponseStatus,
  ResponseVerdict,
} from '@portwarden/common/firewall';
import type { Reason } from '@portwarden/common/reasons';

/**
 * What a firewall check and a response round add to a result, as validated at the gRPC edge and
 * stored (JSON). Field names are the API's.
 */

export interface FirewallReport {
  /** The provider that read the state; null when none could. */
  provider: ProviderName | null;
  found: ProviderName[];
  profiles: {
    profile: ProfileName;
    state: ProfileState;
    detail: string;
    gpoOverride?: boolean;
  }[];
  /** Windows MpsSvc: on is running, off is stopped. */
  service?: { name: string; state: ProfileState; detail: string };
  notes: string[];
}

export interface ProbeSummary {
  outcome: 'up' | 'down';
  reason: Reason | '';
  detail: string;
  durationMs: number;
}

export interface CommandRun {
  argv: string[];
  /** null when the program was killed or never started. */
  exitCode: number | null;
  timedOut: boolean;
  spawnError: string;
  durationMs: number;
  output: string;
}

export interface ResponseAttempt {
  kind: ResponseKind;
  target: string;
  status: ResponseStatus;
  /** response-denied, reboot-suppressed or gpo-override when held back; '' otherwise. */
  reason: string;
  detail: string;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  /** The check probed again right after; null when nothing ran or the host is rebooting. */
  verification: ProbeSummary | null;
  commands: CommandRun[];
}

/** How a response round ended: what was tried, in order, and what the check said after each. */
export interface ResponseReport {
  verdict: ResponseVerdict;
  /** The result that reached the threshold, before anything ran. */
  trigger: ProbeSummary;
  attempts: ResponseAttempt[];
}
