import { matchesSelector } from '@portwarden/common/labels';
import { POLICY_DEFAULTS, type ResolvedCheck, type ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { overrideFor } from '../override/decide.js';
import type { AgentRecord } from '../store/agents.js';
import type { CheckOverride } from '../store/check-overrides.js';
import type { CheckStatusRow } from '../store/views.js';
import { overrideView } from './check-override-routes.js';

export interface CheckStatus {
  agent: string;
  checkId: string;
  name: string;
  target: string;
  /** What the policy says (`enabled:`); a run-time override is `disabled`. */
  enabled: boolean;
  /**
   * `pending` until the first result arrives; `disabled` when the policy or a run-time override
   * (`portwarden disable`) keeps the agent from probing it. The last result's fields stay.
   */
  status: 'up' | 'down' | 'pending' | 'disabled';
  /** The run-time override that disables it here: who, when, why, and its agent (null: every agent). */
  disabled: { agent: string | null; by: string; at: string; comment: string | null } | null;
  consecutiveFailures: number;
  failuresBeforeAlert: number;
  /** Successes in a row; with an incident still open it resolves at `successesBeforeResolve`. */
  consecutiveSuccesses: number;
  successesBeforeResolve: number;
  /** Flapping (more state changes within the policy's window than allowed): since when; else null. */
  flapping: { since: string } | null;
  since: string | null;
  lastResultAt: string | null;
  reason: string;
  detail: string;
  /** The open incident of the check on this agent; null when none is open. */
  incidentId: number | null;
}

/** Every (agent, check) pair the policy assigns, with its state: the status board. */
export function checkStatuses(
  policy: ResolvedPolicy | undefined,
  agents: AgentRecord[],
  states: CheckStatusRow[],
  overrides: readonly CheckOverride[] = [],
): CheckStatus[] {
  const byKey = new Map(states.map((s) => [`${s.agent}\u0000${s.checkId}`, s]));
  const out: CheckStatus[] = [];
  for (const agent of agents) {
    for (const check of policy?.checks ?? []) {
      if (!matchesSelector(check.agents, agent.labels)) continue;
      const state = byKey.get(`${agent.name}\u0000${check.id}`);
      const override = overrideFor(overrides, check.id, agent.name);
      out.push({
        agent: agent.name,
        checkId: check.id,
        name: check.name,
        target: target(check),
        enabled: check.enabled,
        status: !check.enabled || override ? 'disabled' : (state?.outcome ?? 'pending'),
        disabled: override ? overrideView(override) : null,
        consecutiveFailures: state?.consecutiveFailures ?? 0,
        failuresBeforeAlert: check.failuresBeforeAlert,
        consecutiveSuccesses: state?.consecutiveSuccesses ?? 0,
        successesBeforeResolve: check.successesBeforeResolve ?? POLICY_DEFAULTS.successesBeforeResolve,
        flapping: state?.flappingSince ? { since: state.flappingSince.toISOString() } : null,
        since: state?.since.toISOString() ?? null,
        lastResultAt: state?.lastResultAt.toISOString() ?? null,
        reason: state?.reason ?? '',
        detail: state?.detail ?? '',
        incidentId: state?.incidentId ?? null,
      });
    }
  }
  return out;
}

/** What the check watches: `host:port`, or the firewall and its profiles. */
function target(check: ResolvedCheck): string {
  if (check.kind === 'firewall')
    return `firewall ${check.firewall.profiles.join(',')} (${check.firewall.mode})`;
  return `${check.host}:${check.port}`;
}
