import { matchesSelector, type Labels } from '@portwarden/common/labels';
import { POLICY_DEFAULTS, type ResolvedCheck, type ResolvedPolicy } from '@portwarden/common/policy/resolved';
import { decodeEscapes } from '@portwarden/common/text';
import type { AgentConfig, Check } from '@portwarden/proto/agent/v1';

/** The part of the policy one agent runs: the checks whose selector matches its labels. */
export function agentConfig(policy: ResolvedPolicy | undefined, labels: Labels): AgentConfig {
  const checks = (policy?.checks ?? []).filter((c) => matchesSelector(c.agents, labels)).map(toProtoCheck);
  return { checks };
}

function toProtoCheck(check: ResolvedCheck): Check {
  return {
    id: check.id,
    name: check.name,
    intervalMs: check.intervalMs,
    enabled: check.enabled,
    kind: {
      $case: 'port',
      value: {
        host: check.host,
        port: check.port,
        send: check.send === undefined ? Buffer.alloc(0) : decodeEscapes(check.send),
        crlf: check.crlf,
        extraCrlf: check.extraCrlf,
        expect: check.expect ?? '',
        timeoutMs: check.timeoutMs,
        connectTimeoutMs: check.connectTimeoutMs,
        maxBytes: POLICY_DEFAULTS.maxBytes,
      },
    },
  };
}
