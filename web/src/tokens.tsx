import { useState } from 'preact/hooks';
import { useAction } from './action.js';
import { api } from './api.js';
import { when } from './format.js';
import { usePoll } from './poll.js';
import { DataTable, ErrorLine } from './ui.js';

interface ApiTokenRow {
  id: number;
  name: string;
  role: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** API tokens (list, create, revoke) and enrollment tokens (create): admins only. */
export function Tokens() {
  const { data, error, refresh } = usePoll<{ tokens: ApiTokenRow[] }>('/api/v1/api-tokens', 5000);
  const [shown, setShown] = useState<{ what: string; token: string }>();
  const { failure, run } = useAction(refresh);

  const createApiToken = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const ttl = String(form.get('ttl') ?? '').trim();
    void run(async () => {
      const created = await api<{ name: string; token: string }>('/api/v1/api-tokens', {
        method: 'POST',
        body: {
          name: String(form.get('name') ?? ''),
          role: String(form.get('role') ?? 'viewer'),
          ...(ttl && { ttl }),
        },
      });
      setShown({ what: `API token "${created.name}"`, token: created.token });
    });
  };

  const createEnrollment = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const labels = Object.fromEntries(
      String(form.get('labels') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((pair) => pair.split('=', 2) as [string, string]),
    );
    void run(async () => {
      const created = await api<{ token: string; expiresAt: string }>('/api/v1/tokens', {
        method: 'POST',
        body: { labels, ttl: String(form.get('ttl') ?? '1h') },
      });
      setShown({ what: `Enrollment token (until ${when(created.expiresAt)})`, token: created.token });
    });
  };

  return (
    <section>
      <h1>Tokens</h1>
      {shown && (
        <div class="panel" role="status">
          <p>{shown.what}: shown only this once.</p>
          <code class="secret">{shown.token}</code>
        </div>
      )}
      <ErrorLine message={failure || error} />
      <div class="side-by-side">
        <form class="panel silence" onSubmit={createApiToken} aria-label="New API token">
          <h2>New API token</h2>
          <label>
            Name <input name="name" required />
          </label>
          <label>
            Role{' '}
            <select name="role">
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <label>
            Expires after <input name="ttl" placeholder="30d (empty: never)" />
          </label>
          <button type="submit">Create API token</button>
        </form>
        <form class="panel silence" onSubmit={createEnrollment} aria-label="New enrollment token">
          <h2>New enrollment token</h2>
          <label>
            Agent labels <input name="labels" placeholder="role=web site=paris" />
          </label>
          <label>
            Valid for <input name="ttl" defaultValue="1h" />
          </label>
          <button type="submit">Create enrollment token</button>
        </form>
      </div>
      <h2>API tokens</h2>
      {data && (
        <DataTable columns={['#', 'Name', 'Role', 'Created', 'Expires', 'Last used', 'Revoked']} actions>
          {data.tokens.map((t) => (
            <tr key={t.id} data-token={t.id}>
              <td>{t.id}</td>
              <td>{t.name}</td>
              <td>{t.role}</td>
              <td>{when(t.createdAt)}</td>
              <td>{when(t.expiresAt)}</td>
              <td>{when(t.lastUsedAt)}</td>
              <td>{when(t.revokedAt)}</td>
              <td>
                {!t.revokedAt && (
                  <button
                    type="button"
                    aria-label={`Revoke ${t.name}`}
                    onClick={() => void run(() => api(`/api/v1/api-tokens/${t.id}`, { method: 'DELETE' }))}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
