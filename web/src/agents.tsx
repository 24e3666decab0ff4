import type { AgentRow } from './api.js';
import { ago, when } from './format.js';
import { usePoll } from './poll.js';
import { DataTable, ErrorLine } from './ui.js';

/** GET /api/v1/agents against the policy revision in force: who runs, and who runs an old policy. */
export function Agents() {
  const agents = usePoll<{ agents: AgentRow[] }>('/api/v1/agents', 2000);
  const policy = usePoll<{ revision: number }>('/api/v1/policy', 5000);
  const current = policy.data?.revision;
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
                  <div>{a.name}</div>
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
    </section>
  );
}
