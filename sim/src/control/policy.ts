import { readFile } from 'node:fs/promises';
import { PortwardenError } from '@portwarden/common/errors';

export interface SimPolicy {
  checks: number;
  intervalMs: number;
  failuresBeforeAlert: number;
  /** The label the fleet's agents carry: the checks select them by it. */
  label: { name: string; value: string };
  /** Where the alert group's webhook channel posts. */
  webhookUrl: string;
}

/** The check ids the policy gives: `sim-check-001`… (derived from the names, see docs/policy.md). */
export function simCheckName(index: number): string {
  return `sim-check-${String(index + 1).padStart(3, '0')}`;
}

/**
 * A policy of C port checks for the fleet's agents, all told to one alert group with a webhook
 * channel to the sim's receiver. The ports are never probed: the sim makes the results up.
 */
export function simPolicyYaml(policy: SimPolicy): string {
  const timeoutMs = Math.max(100, Math.min(10_000, Math.floor(policy.intervalMs / 2)));
  const lines = [
    '# Applied by portwarden-sim: simulated agents, nothing is probed.',
    `defaults: { interval: ${policy.intervalMs}ms, timeout: ${timeoutMs}ms, failuresBeforeAlert: ${policy.failuresBeforeAlert}, alertGroup: sim }`,
    'alertGroups:',
    '  sim:',
    '    name: Simulator',
    `    channels: [{ webhook: { url: '${policy.webhookUrl}' } }]`,
    'checks:',
  ];
  for (let i = 0; i < policy.checks; i++)
    lines.push(
      `  - { name: ${simCheckName(i)}, port: ${10_000 + i}, agents: { ${policy.label.name}: '${policy.label.value}' } }`,
    );
  return `${lines.join('\n')}\n`;
}

/** PUT /api/v1/policy with an admin token; returns the revision in force. */
export async function applyPolicy(apiUrl: string, token: string, yaml: string): Promise<number> {
  const response = await fetch(new URL('/api/v1/policy', apiUrl), {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
    body: yaml,
  });
  const text = await response.text();
  if (!response.ok)
    throw new PortwardenError(
      'sim-policy',
      `the controller refused the sim's policy: ${response.status} ${text.slice(0, 500)}`,
      response.status === 401 || response.status === 403
        ? "pass an admin token: --admin-token-file FILE (the controller's --admin-token-file)"
        : 'check the controller log',
    );
  return (JSON.parse(text) as { revision: number }).revision;
}

export async function readToken(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}
