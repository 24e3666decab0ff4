import { useEffect, useState } from 'preact/hooks';
import type { CheckStatus, ResultRow, TranscriptEntry } from './api.js';
import { ago, boardState, recovering, when } from './format.js';
import { LatencyChart } from './chart.js';
import { usePoll } from './poll.js';
import { follow } from './router.js';
import { ErrorLine } from './ui.js';

/** A change of outcome on one agent: the outcome timeline. */
interface Change {
  agent: string;
  at: string;
  outcome: string;
  reason: string;
  detail: string;
}

/** Results come newest first; the changes are read oldest first and shown newest first. */
function changes(results: ResultRow[]): Change[] {
  const last = new Map<string, string>();
  const out: Change[] = [];
  for (const r of [...results].reverse()) {
    if (last.get(r.agent) === r.outcome) continue;
    last.set(r.agent, r.outcome);
    out.push({ agent: r.agent, at: r.startedAt, outcome: r.outcome, reason: r.reason, detail: r.detail });
  }
  return out.reverse();
}

/** The check on every agent that runs it: latency over 24 h, outcomes, the last transcripts. */
export function CheckPage({ checkId }: { checkId: string }) {
  const board = usePoll<{ checks: CheckStatus[] }>('/api/v1/checks', 2000);
  const results = usePoll<{ results: ResultRow[] }>(
    `/api/v1/results?check=${encodeURIComponent(checkId)}&hours=24&limit=5000`,
    5000,
  );
  const width = useWidth();
  const rows = board.data?.checks.filter((c) => c.checkId === checkId) ?? [];
  const all = results.data?.results ?? [];
  const now = Date.now();
  const agents = rows.map((r) => r.agent);

  return (
    <section class="check" data-check-page={checkId}>
      <h1>{rows[0]?.name ?? checkId}</h1>
      {rows[0] && <p class="muted">{rows[0].target}</p>}
      <ErrorLine message={board.error || results.error} />
      <ul class="agents-states">
        {rows.map((r) => (
          <li key={r.agent} data-agent={r.agent} data-check={r.checkId} data-state={boardState(r)}>
            <span class={`badge state-${boardState(r)}`}>{boardState(r)}</span> {r.agent}{' '}
            <span class="muted">since {ago(r.since, now)}</span>{' '}
            {recovering(r) && <span class="muted recovering">{recovering(r)}</span>}{' '}
            {r.incidentId !== null && (
              <a href={`/incidents/${r.incidentId}`} onClick={follow}>
                incident {r.incidentId}
              </a>
            )}
          </li>
        ))}
      </ul>
      <h2>Latency, last 24 h</h2>
      {results.data && all.length === 0 && <p class="muted">No results in the last 24 hours.</p>}
      {all.length > 0 && <LatencyChart results={all} width={width} />}
      <h2>Outcomes</h2>
      <ol class="timeline outcomes">
        {changes(all)
          .slice(0, 50)
          .map((c, i) => (
            <li key={i} data-outcome={c.outcome}>
              <time dateTime={c.at}>{when(c.at)}</time> {c.agent}{' '}
              <span class={`badge state-${c.outcome}`}>{c.outcome}</span> {c.reason}{' '}
              <span class="detail">{c.detail}</span>
            </li>
          ))}
      </ol>
      {agents.map((agent) => (
        <Replies key={agent} agent={agent} results={all.filter((r) => r.agent === agent)} />
      ))}
    </section>
  );
}

/** The newest transcript beside the last good one, entries that differ marked. */
function Replies({ agent, results }: { agent: string; results: ResultRow[] }) {
  const has = (r: ResultRow) => (r.transcript?.entries.length ?? 0) > 0;
  const current = results.find(has);
  const good = results.find((r) => r.outcome === 'up' && has(r));
  if (!current) return null;
  const showGood = good && good !== current;
  return (
    <div class="replies">
      <h2>Last transcript on {agent}</h2>
      <div class="side-by-side">
        <Transcript
          title={`Now (${when(current.startedAt)}, ${current.outcome})`}
          entries={current.transcript!.entries}
          other={showGood ? good.transcript!.entries : undefined}
        />
        {showGood && (
          <Transcript
            title={`Last good (${when(good.startedAt)})`}
            entries={good.transcript!.entries}
            other={current.transcript!.entries}
          />
        )}
      </div>
    </div>
  );
}

function Transcript({
  title,
  entries,
  other,
}: {
  title: string;
  entries: TranscriptEntry[];
  other?: TranscriptEntry[];
}) {
  // Notes name addresses and ports that change from probe to probe: the bytes are compared.
  const wire = (list: TranscriptEntry[] | undefined) => (list ?? []).filter((e) => e.direction !== 'note');
  const theirs = wire(other);
  let n = -1;
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <ol class="transcript">
        {entries.map((e, i) => {
          if (e.direction !== 'note') n += 1;
          const mine = theirs[n];
          const differs =
            other !== undefined &&
            e.direction !== 'note' &&
            (mine?.text !== e.text || mine?.direction !== e.direction);
          return (
            <li key={i} class={differs ? 'differs' : undefined} data-differs={differs ? 'true' : undefined}>
              <span class="muted">+{e.atMs} ms</span>{' '}
              <span class="dir">{e.direction === 'sent' ? '→' : e.direction === 'received' ? '←' : '·'}</span>{' '}
              <code>{e.text}</code>
              {differs && <span class="sr-only"> (differs from the other)</span>}
            </li>
          );
        })}
      </ol>
    </figure>
  );
}

/** The chart's width: the page's, on load and on resize. */
function useWidth(): number {
  const measure = () => Math.max(280, Math.min(1360, document.body.clientWidth - 40));
  const [width, setWidth] = useState(measure);
  useEffect(() => {
    const onResize = () => setWidth(measure());
    addEventListener('resize', onResize);
    return () => removeEventListener('resize', onResize);
  }, []);
  return width;
}
