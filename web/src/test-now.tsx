import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type TestAnswer } from './api.js';
import { ErrorLine } from './ui.js';

/** Runs the check on its agent now (POST /api/v1/agents/:name/test) and shows what happened. */
export function TestNow(props: { agent: string; checkId: string; name: string; onClose: () => void }) {
  const [answer, setAnswer] = useState<TestAnswer>();
  const [error, setError] = useState('');
  const close = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    close.current?.focus();
    let stopped = false;
    api<TestAnswer>(`/api/v1/agents/${encodeURIComponent(props.agent)}/test`, {
      method: 'POST',
      body: { check: props.checkId },
    }).then(
      (a) => !stopped && setAnswer(a),
      (err: Error) => !stopped && setError(err.message),
    );
    return () => {
      stopped = true;
    };
  }, [props.agent, props.checkId]);

  const result = answer?.result;
  return (
    <section
      class="panel test-now"
      role="dialog"
      aria-label={`Test now: ${props.name} on ${props.agent}`}
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
    >
      <header>
        <h2>
          Test now: {props.name} on {props.agent}
        </h2>
        <button type="button" ref={close} onClick={props.onClose}>
          Close
        </button>
      </header>
      {!answer && !error && <p aria-live="polite">Running on {props.agent}…</p>}
      <ErrorLine message={error} />
      {result && (
        <div aria-live="polite">
          <p>
            <span class={`badge state-${result.outcome}`}>{result.outcome}</span> {result.reason}{' '}
            <span class="muted">{result.durationMs} ms</span>
          </p>
          {result.detail && <p class="detail">{result.detail}</p>}
          <h3>Transcript</h3>
          {result.transcript && result.transcript.entries.length > 0 ? (
            <ol class="transcript">
              {result.transcript.entries.map((entry, i) => (
                <li key={i} class={`dir-${entry.direction}`}>
                  <span class="muted">+{entry.atMs} ms</span>{' '}
                  <span class="dir">{arrow(entry.direction)}</span> <code>{entry.text}</code>
                </li>
              ))}
              {result.transcript.truncated && <li class="muted">(truncated)</li>}
            </ol>
          ) : (
            <p class="muted" data-testid="no-transcript">
              None: a passing result carries its transcript only with <code>transcript: true</code> in the
              check's policy.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function arrow(direction: string): string {
  return direction === 'sent' ? '→ sent' : direction === 'received' ? '← received' : '· note';
}
