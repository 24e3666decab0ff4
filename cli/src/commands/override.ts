import type { ApiClient } from '../client.js';

/** An override as the API shows it: `agent` null is every agent. */
interface Override {
  agent: string | null;
  by: string;
  at: string;
  comment: string | null;
}

/** What `POST /api/v1/checks/ID/disable` answers. */
export interface DisableAnswer {
  check: { id: string; name: string };
  agent: string | null;
  disabled: Override;
  changed: boolean;
}

/** What `POST /api/v1/checks/ID/enable` answers. */
export interface EnableAnswer {
  check: { id: string; name: string };
  agent: string | null;
  changed: boolean;
}

const checkPath = (check: string, action: string) => `/api/v1/checks/${encodeURIComponent(check)}/${action}`;
const where = (agent: string | null) => (agent === null ? 'every agent' : agent);

/**
 * `portwarden disable CHECK [--agent NAME] [--comment TEXT]`: the Ports tab's tick box, without
 * editing the policy. The agents stop probing the check at once; `get checks` shows it `disabled`
 * with who and when. Disabling again changes nothing and says who did it first.
 */
export async function disable(
  client: ApiClient,
  check: string,
  options: { agent?: string; comment?: string },
  out: (text: string) => void,
): Promise<void> {
  const answer = await client.post<DisableAnswer>(checkPath(check, 'disable'), {
    ...(options.agent !== undefined && { agent: options.agent }),
    ...(options.comment !== undefined && { comment: options.comment }),
  });
  out(formatDisable(answer));
}

export function formatDisable({ check, agent, disabled, changed }: DisableAnswer): string {
  const comment = disabled.comment ? `: ${disabled.comment}` : '';
  return changed
    ? `${check.name} disabled on ${where(agent)} by ${disabled.by}${comment}\n`
    : `${check.name} was already disabled on ${where(disabled.agent)} by ${disabled.by} at ${disabled.at}${comment}\n`;
}

/**
 * `portwarden enable CHECK [--agent NAME]`: lifts the override; the agents probe the check again
 * (as the policy says: a check with `enabled: false` stays off). Without `--agent`, every override
 * of the check goes.
 */
export async function enable(
  client: ApiClient,
  check: string,
  options: { agent?: string },
  out: (text: string) => void,
): Promise<void> {
  const answer = await client.post<EnableAnswer>(
    checkPath(check, 'enable'),
    options.agent === undefined ? {} : { agent: options.agent },
  );
  out(formatEnable(answer));
}

export function formatEnable({ check, agent, changed }: EnableAnswer): string {
  return changed
    ? `${check.name} enabled on ${where(agent)}\n`
    : `${check.name} was not disabled on ${where(agent)}: nothing changed\n`;
}
