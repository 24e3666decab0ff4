import { useState } from 'preact/hooks';
import type { AgentRow, CheckStatus, ResponseRow, ResultRow } from './api.js';
import { ago, profileLines, when } from './format.js';
import { usePoll } from './poll.js';
import { DataTable, ErrorLine } from './ui.js';

/** GET /api/v1/agents against the policy revision in force: who runs, and who runs an old policy. */
export function Agents() {
  const agents = usePoll<{ agents: AgentRow[] }>('/api/v1/agents', 2000);
  const policy = usePoll<{ revision: number }>('/api/v1/policy', 5000);
  const current = policy.data?.revision;
  const [open, setOpen] = useState<string | null>(null);
  const now = Date.now();
  return (
    <section>
      <h1>Agents</h1>
      <ErrorLine message={agents.error} />
      {agents.data && agents.data.agents.length === 0 && (
        <p class="muted">No agent has connected yet: start one with portwarden-agent.</p>
      )}
      {agents.data && agents.data.agents.length > 0 && (
        <DataTable
          columns={['Agent', 'Connection', 'Labels', 'Version', 'Policy', 'Spool gaps', 'Certificate']}
        >
          {agents.data.agents.map((a) => {
            const drift = current !== undefined && a.configRevision !== current;
            return (
              <tr key={a.name} data-agent={a.name} data-connected={String(a.connected)}>
                <td>
                  <div>
                    <button
                      type="button"
                      class="link"
                      aria-expanded={open === a.name}
                      onClick={() => setOpen(open === a.name ? null : a.name)}
                    >
                      {a.name}
                    </button>
                  </div>
                  <div class="muted small">
                    {a.hostname} ({a.os})
                  </div>
                </td>
                <td>
                  <span class={`badge ${a.connected ? 'state-up' : 'state-down'}`}>
                    {a.connected ? 'connected' : 'disconnected'}
                  </span>
                  <div class="muted small" title={when(a.lastSeenAt)}>
                    seen {ago(a.lastSeenAt, now)}
                  </div>
                </td>
                <td>
                  {Object.entries(a.labels).map(([k, v]) => (
                    <code key={k} class="label">
                      {k}={v}
                    </code>
                  ))}
                </td>
                <td>{a.agentVersion}</td>
                <td>
                  revision {a.configRevision}
                  {drift && <span class="badge state-unknown"> behind {current}</span>}
                  {a.configError && <div class="error small">{a.configError}</div>}
                </td>
                <td>{a.dropped > 0 ? `${a.dropped} results dropped` : 'none'}</td>
                <td>
                  {a.revokedAt
                    ? `revoked ${when(a.revokedAt)}`
                    : a.certificateExpiresAt
                      ? `expires ${when(a.certificateExpiresAt)}`
                      : '—'}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
      {open && <AgentDetail key={open} name={open} />}
    </section>
  );
}

/** The agent chosen above: its firewall checks' latest profiles, and the responses it ran. */
function AgentDetail({ name }: { name: string }) {
  const checks = usePoll<{ checks: CheckStatus[] }>('/api/v1/checks', 5000);
  const responses = usePoll<{ responses: ResponseRow[] }>(
    `/api/v1/responses?agent=${encodeURIComponent(name)}&limit=20`,
    5000,
  );
  const mine = checks.data?.checks.filter((c) => c.agent === name) ?? [];
  return (
    <section data-agent-detail={name}>
      <h2>{name}: firewall</h2>
      <ErrorLine message={checks.error} />
      <DataTable columns={['Check', 'Profile', 'State', 'Provider', 'Group Policy']}>
        {mine.map((c) => (
          <FirewallRows key={c.checkId} agent={name} check={c} />
        ))}
      </DataTable>
      <h2>{name}: responses it ran</h2>
      <ErrorLine message={responses.error} />
      {responses.data && responses.data.responses.length === 0 && (
        <p class="muted">No automatic response has run on this agent.</p>
      )}
      {responses.data && responses.data.responses.length > 0 && (
        <DataTable columns={['Time', 'Check', 'Verdict', 'Outcome']}>
          {responses.data.responses.map((r) => (
            <tr key={`${r.checkId}-${r.seq}`} data-check={r.checkId}>
              <td title={when(r.startedAt)}>{when(r.startedAt)}</td>
              <td>{r.checkName}</td>
              <td>{r.verdict}</td>
              <td>
                {r.outcome}
                {r.reason && <div class="muted small">{r.reason}</div>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

/**
 * The latest result of one check of the agent, a line per profile when it is a firewall check
 * (the result then carries the report); nothing for other checks.
 */
function FirewallRows({ agent, check }: { agent: string; check: CheckStatus }) {
  const latest = usePoll<{ results: ResultRow[] }>(
    `/api/v1/results?check=${encodeURIComponent(check.checkId)}&agent=${encodeURIComponent(agent)}&limit=1`,
    5000,
  );
  const lines = profileLines(latest.data?.results[0]?.firewall ?? null);
  return (
    <>
      {lines.map((l) => (
        <tr key={l.profile} data-check={check.checkId} data-profile={l.profile}>
          <td>{check.name}</td>
          <td>{l.profile}</td>
          <td>
            <span
              class={`badge ${l.state === 'on' ? 'state-up' : l.state === 'off' ? 'state-down' : 'state-unknown'}`}
            >
              {l.state}
            </span>
          </td>
          <td>{l.provider}</td>
          <td>{l.groupPolicy}</td>
        </tr>
      ))}
    </>
  );
}
