import { useState } from 'preact/hooks';
import { useAction } from './action.js';
import { api, canOperate, type Me, type SilenceRow } from './api.js';
import { when } from './format.js';
import { usePoll } from './poll.js';
import { DataTable, ErrorLine } from './ui.js';

/** Silences: the list, expire, and a new one (POST /api/v1/silences). */
export function Silences({ me }: { me: Me }) {
  const { data, error, refresh } = usePoll<{ silences: SilenceRow[] }>('/api/v1/silences', 2000);
  const [message, setMessage] = useState('');
  const { failure, run } = useAction(refresh);
  const operator = canOperate(me);

  const expire = (id: number) =>
    run(async () => {
      await api(`/api/v1/silences/${id}/expire`, { method: 'POST' });
      setMessage(`Silence ${id} expired.`);
    });

  return (
    <section>
      <h1>Silences</h1>
      {operator && (
        <SilenceForm
          matchers=""
          onDone={(text) => {
            setMessage(text);
            refresh();
          }}
        />
      )}
      {message && <p role="status">{message}</p>}
      <ErrorLine message={failure || error} />
      {data && data.silences.length === 0 && <p class="muted">No silences.</p>}
      {data && data.silences.length > 0 && (
        <DataTable columns={['#', 'State', 'Matchers', 'From', 'Until', 'Why', 'By']} actions>
          {data.silences.map((s) => (
            <tr key={s.id} data-silence={s.id} data-state={s.state}>
              <td>{s.id}</td>
              <td>
                <span class={`badge ${s.state === 'active' ? 'state-acked' : 'state-disabled'}`}>
                  {s.state}
                </span>
              </td>
              <td>
                {s.matchers.map((m) => (
                  <code key={m} class="label">
                    {m}
                  </code>
                ))}
              </td>
              <td>{when(s.startsAt)}</td>
              <td>{when(s.expiredAt ?? s.endsAt)}</td>
              <td>{s.comment}</td>
              <td>{s.createdBy}</td>
              <td>
                {operator && s.state !== 'expired' && (
                  <button type="button" onClick={() => expire(s.id)} aria-label={`Expire silence ${s.id}`}>
                    Expire
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

/** POST /api/v1/silences; the API requires a comment and says what is wrong with the rest. */
export function SilenceForm({ matchers, onDone }: { matchers: string; onDone: (text: string) => void }) {
  const { failure, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void run(async () => {
      const silence = await api<{ id: number; endsAt: string }>('/api/v1/silences', {
        method: 'POST',
        body: {
          matchers: String(form.get('matchers') ?? '')
            .split('\n')
            .map((m) => m.trim())
            .filter(Boolean),
          duration: String(form.get('duration') ?? ''),
          comment: String(form.get('comment') ?? ''),
        },
      });
      onDone(`Silence ${silence.id} until ${when(silence.endsAt)}.`);
    });
  };
  return (
    <form class="panel silence" onSubmit={submit} aria-label="New silence">
      <label>
        Matchers, one a line (<code>agent=web-1</code>, <code>check=Web</code>, <code>site=~par.*</code>)
        <textarea name="matchers" rows={2} defaultValue={matchers} required />
      </label>
      <label>
        For <input name="duration" defaultValue="2h" size={6} />
      </label>
      <label>
        Why <input name="comment" required />
      </label>
      <button type="submit">Create silence</button>
      <ErrorLine message={failure} />
    </form>
  );
}
