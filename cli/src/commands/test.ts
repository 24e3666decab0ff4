import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

/** What `POST /api/v1/agents/NAME/test` answers. */
export interface TestAnswer {
  agent: string;
  check: { id: string; name: string; kind: 'port' | 'firewall' };
  result: {
    outcome: 'up' | 'down';
    reason: string;
    detail: string;
    durationMs: number;
    startedAt: string;
    firewall: {
      provider: string | null;
      profiles: { profile: string; state: string; detail: string; gpoOverride?: boolean }[];
      service?: { name: string; state: string; detail: string };
      notes: string[];
    } | null;
  };
}

export interface TestOptions {
  agent: string;
  output: 'table' | 'json';
}

/** The route waits for the agent at most 2 minutes; the CLI a little longer. */
const TEST_TIMEOUT_MS = 130_000;

/**
 * `portwarden test CHECK --agent NAME`: the agent runs the check now, outside its schedule, and the
 * result is printed (per profile for a firewall check). Nothing is stored, no threshold moves, no
 * response runs. Resolves to the exit code: 0 up, 1 down.
 */
export async function test(
  client: ApiClient,
  check: string,
  options: TestOptions,
  out: (text: string) => void,
): Promise<number> {
  const answer = await client.post<TestAnswer>(
    `/api/v1/agents/${encodeURIComponent(options.agent)}/test`,
    { check },
    TEST_TIMEOUT_MS,
  );
  out(options.output === 'json' ? `${JSON.stringify(answer, null, 2)}\n` : formatTest(answer));
  return answer.result.outcome === 'up' ? 0 : 1;
}

const SERVICE_STATE: Record<string, string> = { on: 'running', off: 'stopped', unknown: 'unknown' };

export function formatTest({ agent, check, result }: TestAnswer): string {
  const why = result.reason ? `, ${result.reason}` : '';
  const lines = [
    `${check.name} on ${agent}: ${result.outcome}${why} (${result.durationMs} ms)`,
    result.detail,
  ];
  const firewall = result.firewall;
  if (firewall && firewall.profiles.length > 0) {
    const rows = firewall.profiles.map((p) => [
      p.profile,
      p.state,
      p.gpoOverride ? 'yes' : p.gpoOverride === false ? 'no' : '',
      p.detail,
    ]);
    lines.push('', renderTable(['profile', 'state', 'group policy', 'detail'], rows).trimEnd());
  }
  if (firewall?.service)
    lines.push(
      `firewall service ${firewall.service.name}: ${SERVICE_STATE[firewall.service.state] ?? firewall.service.state}`,
    );
  if (firewall?.provider) lines.push(`provider: ${firewall.provider}`);
  for (const note of firewall?.notes ?? []) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
