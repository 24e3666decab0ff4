import { useMemo, useState } from 'preact/hooks';
import { canOperate, type AgentRow, type CheckStatus, type Me } from './api.js';
import { ago, boardState, labelsMatch, recovering, when } from './format.js';
import { usePoll } from './poll.js';
import { follow } from './router.js';
import { TestNow } from './test-now.js';
import { DataTable, ErrorLine } from './ui.js';

/** The order of the counts and of the state filter: trouble first. */
const STATES = ['down', 'flapping', 'unknown', 'up', 'disabled'];

/** Every (agent, check) with its state, refreshed every second. */
export function Board({ me }: { me: Me }) {
  const checks = usePoll<{ checks: CheckStatus[] }>('/api/v1/checks', 1000);
  const agents = usePoll<{ agents: AgentRow[] }>('/api/v1/agents', 5000);
  const [state, setState] = useState('');
  const [text, setText] = useState('');
  const [labels, setLabels] = useState('');
  const [testing, setTesting] = useState<CheckStatus | null>(null);
  const now = Date.now();

  const labelsOf = useMemo(
    () => new Map((agents.data?.agents ?? []).map((a) => [a.name, a.labels])),
    [agents.data],
  );
  const all = checks.data?.checks ?? [];
  const counts = new Map<string, number>();
  for (const c of all) counts.set(boardState(c), (counts.get(boardState(c)) ?? 0) + 1);
  const needle = text.trim().toLowerCase();
  const shown = all.filter(
    (c) =>
      (!state || boardState(c) === state) &&
      (!needle ||
        [c.agent, c.name, c.checkId, c.target, c.reason, c.detail].some((s) =>
          s.toLowerCase().includes(needle),
        )) &&
      labelsMatch(labels, labelsOf.get(c.agent)),
  );
  shown.sort(
    (a, b) =>
      STATES.indexOf(boardState(a)) - STATES.indexOf(boardState(b)) ||
      a.agent.localeCompare(b.agent) ||
      a.name.localeCompare(b.name),
  );

  return (
    <section>
      <h1>Status</h1>
      <ul class="counts" aria-label="Checks per state">
        {[...new Set([...STATES, ...counts.keys()])].map((s) => (
          <li key={s} class={`state-${s}`} data-count={s}>
            <button
              type="button"
              class="link"
              onClick={() => setState(state === s ? '' : s)}
              aria-pressed={state === s}
            >
              {counts.get(s) ?? 0} {s}
            </button>
          </li>
        ))}
      </ul>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          State{' '}
          <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Labels{' '}
          <input
            name="labels"
            placeholder="site=paris role=web"
            value={labels}
            onInput={(e) => setLabels(e.currentTarget.value)}
          />
        </label>
        <label>
          Search{' '}
          <input
            name="q"
            type="search"
            placeholder="agent, check, reason…"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
      </form>
      <ErrorLine message={checks.error} />
      {!checks.data && !checks.error && <p>Loading…</p>}
      {checks.data && all.length === 0 && (
        <p class="muted">No checks yet: apply a policy and start an agent.</p>
      )}
      {shown.length > 0 && (
        <DataTable
          class="board"
          columns={['State', 'Agent', 'Check', 'Since', 'Failures', 'Reason', 'Last detail']}
          actions
        >
          {shown.map((c) => (
            <tr
              key={`${c.agent}\u0000${c.checkId}`}
              data-agent={c.agent}
              data-check={c.checkId}
              data-state={boardState(c)}
            >
              <td>
                <span
                  class={`badge state-${boardState(c)}`}
                  title={c.flapping ? `flapping since ${when(c.flapping.since)}` : undefined}
                >
                  {boardState(c)}
                </span>
                {recovering(c) && <div class="muted small recovering">{recovering(c)}</div>}
              </td>
              <td>{c.agent}</td>
              <td>
                <div>
                  <a href={`/checks/${encodeURIComponent(c.checkId)}`} onClick={follow}>
                    {c.name}
                  </a>
                </div>
                <div class="muted small">{c.target}</div>
              </td>
              <td title={c.since ?? ''}>{ago(c.since, now)}</td>
              <td>
                {c.consecutiveFailures}/{c.failuresBeforeAlert}
              </td>
              <td>{c.reason}</td>
              <td class="detail">{c.detail}</td>
              <td class="actions">
                {c.incidentId !== null && (
                  <a href={`/incidents/${c.incidentId}`} onClick={follow}>
                    Incident {c.incidentId}
                  </a>
                )}
                {canOperate(me) && c.enabled && (
                  <button
                    type="button"
                    onClick={() => setTesting(c)}
                    aria-label={`Test ${c.name} on ${c.agent} now`}
                  >
                    Test now
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {testing && (
        <TestNow
          agent={testing.agent}
          checkId={testing.checkId}
          name={testing.name}
          onClose={() => setTesting(null)}
        />
      )}
    </section>
  );
}
