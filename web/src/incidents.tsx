import { useState } from 'preact/hooks';
import type { IncidentRow } from './api.js';
import { ago, when } from './format.js';
import { usePoll } from './poll.js';
import { follow } from './router.js';
import { DataTable, ErrorLine } from './ui.js';

/** GET /api/v1/incidents, newest first. */
export function Incidents() {
  const [status, setStatus] = useState('open');
  const { data, error } = usePoll<{ incidents: IncidentRow[] }>(
    `/api/v1/incidents?status=${status}&limit=200`,
    2000,
  );
  const now = Date.now();
  return (
    <section>
      <h1>Incidents</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Show{' '}
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
            <option value="all">all</option>
          </select>
        </label>
      </form>
      <ErrorLine message={error} />
      {data && data.incidents.length === 0 && (
        <p class="muted">No {status === 'all' ? '' : status} incidents.</p>
      )}
      {data && data.incidents.length > 0 && (
        <DataTable columns={['#', 'State', 'Agent', 'Check', 'Reason', 'Opened', 'Acknowledged']}>
          {data.incidents.map((i) => (
            <tr key={i.id} data-incident={i.id}>
              <td>
                <a href={`/incidents/${i.id}`} onClick={follow}>
                  {i.id}
                </a>
              </td>
              <td>
                <span class={`badge ${i.resolvedAt ? 'state-up' : 'state-down'}`}>
                  {i.resolvedAt ? 'resolved' : 'open'}
                </span>
              </td>
              <td>{i.agent}</td>
              <td>{i.checkName}</td>
              <td>{i.reason}</td>
              <td title={when(i.openedAt)}>{ago(i.openedAt, now)}</td>
              <td>{i.ackedBy ? `${i.ackedBy}, ${ago(i.ackedAt, now)}` : '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
