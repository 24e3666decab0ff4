import { useState } from 'preact/hooks';
import {
  api,
  canOperate,
  type DeliveryRow,
  type HeldBy,
  type IncidentDetail,
  type IncidentRow,
  type Me,
  type ResponseRound,
} from './api.js';
import { when } from './format.js';
import { usePoll } from './poll.js';
import { follow } from './router.js';
import { SilenceForm } from './silences.js';

interface Entry {
  at: string;
  kind: string;
  text: string;
  status?: string;
}

/**
 * Opened, responses tried, each notification with its delivery status, the silences that held
 * them, the acknowledgement, resolved: by time.
 */
function timeline(
  incident: IncidentRow,
  deliveries: DeliveryRow[],
  rounds: ResponseRound[],
  silences: HeldBy[],
): Entry[] {
  const entries: Entry[] = [
    { at: incident.openedAt, kind: 'opened', text: `${incident.reason}: ${incident.detail}` },
  ];
  for (const r of rounds.filter((round) => round.incidentId === incident.id))
    entries.push({
      at: r.startedAt,
      kind: 'response',
      text: `${r.verdict} after ${r.attempts.length} attempt(s), then ${r.outcome} ${r.reason}: ${r.detail}`,
    });
  for (const d of deliveries) {
    const what = d.notice ? `${d.event}, ${d.notice}` : d.event;
    const tries = d.attempts > 1 ? `, ${d.attempts} attempts` : '';
    entries.push({
      at: d.createdAt ?? d.eventAt,
      kind: 'notification',
      text: `${what} → ${d.channelKey} (${d.channelKind}${tries})${d.error ? `: ${d.error}` : ''}`,
      status: d.status,
    });
  }
  for (const h of silences)
    entries.push({
      at: h.firstHeldAt,
      kind: 'silenced',
      text: `${h.silence === null ? h.note : `silence ${h.silence}`} held ${h.held} notification(s)`,
    });
  if (incident.ackedAt)
    entries.push({
      at: incident.ackedAt,
      kind: 'acknowledged',
      text: `by ${incident.ackedBy ?? '?'}${incident.ackComment ? `: ${incident.ackComment}` : ''}`,
    });
  if (incident.resolvedAt)
    entries.push({ at: incident.resolvedAt, kind: 'resolved', text: 'the check answers again' });
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** What a notification's generatorURL opens: /incidents/:id. */
export function IncidentPage({ id, me }: { id: number; me: Me }) {
  const detail = usePoll<IncidentDetail>(`/api/v1/incidents/${id}`, 2000);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [silencing, setSilencing] = useState(false);
  const incident = detail.data?.incident;

  if (detail.error && !detail.notFound)
    return (
      <p class="error" role="alert">
        {detail.error}
      </p>
    );
  if (!detail.data && !detail.notFound) return <p>Loading…</p>;
  if (!incident)
    return (
      <section>
        <h1>Incident {id}</h1>
        <p class="error" role="alert">
          No incident {id}.{' '}
          <a href="/incidents" onClick={follow}>
            See the incidents
          </a>
          .
        </p>
      </section>
    );

  const acknowledge = async () => {
    setError('');
    try {
      const answer = await api<{ alreadyAcknowledged: boolean }>(`/api/v1/incidents/${id}/ack`, {
        method: 'POST',
        body: {},
      });
      setMessage(answer.alreadyAcknowledged ? 'It was already acknowledged.' : 'Acknowledged.');
      detail.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const open = incident.resolvedAt === null;
  return (
    <section class="incident" data-incident={id}>
      <h1>
        Incident {id}: {incident.checkName} on {incident.agent}
      </h1>
      <p>
        <span
          class={`badge ${open ? 'state-down' : 'state-up'}`}
          data-incident-state={open ? 'open' : 'resolved'}
        >
          {open ? 'open' : 'resolved'}
        </span>{' '}
        {incident.ackedBy && <span class="badge state-acked">acknowledged by {incident.ackedBy}</span>} alert
        group <code>{incident.alertGroup}</code>
      </p>
      {canOperate(me) && open && (
        <div class="buttons">
          {!incident.ackedBy && (
            <button type="button" onClick={acknowledge}>
              Acknowledge
            </button>
          )}
          <button type="button" onClick={() => setSilencing(!silencing)} aria-expanded={silencing}>
            Silence…
          </button>
        </div>
      )}
      {message && <p role="status">{message}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {silencing && (
        <SilenceForm
          matchers={`agent=${incident.agent}\ncheck=${incident.checkName}`}
          onDone={(text) => {
            setSilencing(false);
            setMessage(text);
          }}
        />
      )}
      <h2>Timeline</h2>
      <ol class="timeline">
        {timeline(incident, detail.data!.notifications, detail.data!.responses, detail.data!.silences).map(
          (e, i) => (
            <li key={i} data-kind={e.kind} {...(e.status && { 'data-status': e.status })}>
              <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.kind}</strong>{' '}
              {e.status && <span class={`badge delivery-${e.status}`}>{e.status}</span>} {e.text}
            </li>
          ),
        )}
      </ol>
    </section>
  );
}
