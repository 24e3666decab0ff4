import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type PolicyIssue } from './api.js';
import { when } from './format.js';
import { PolicyRevisions } from './policy-revisions.js';

type Issue = PolicyIssue;

/**
 * The policy in force (GET /api/v1/policy), edited and applied by an admin: Validate is
 * `apply --dry-run`, Apply stores a new revision; a rejected policy's issues show against their lines.
 */
export function PolicyPage() {
  const [current, setCurrent] = useState<{ revision: number; createdAt?: string; source: string }>();
  const [source, setSource] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  const load = () =>
    api<{ revision: number; createdAt?: string; source: string }>('/api/v1/policy').then(
      (p) => {
        setCurrent(p);
        setSource(p.source);
      },
      (err: Error) => setError(err.message),
    );
  useEffect(() => void load(), []);

  const send = async (method: 'POST' | 'PUT') => {
    setIssues([]);
    setMessage('');
    setError('');
    try {
      const answer = await api<{ revision?: number; checks: number; unchanged?: boolean; warnings: Issue[] }>(
        method === 'PUT' ? '/api/v1/policy' : '/api/v1/policy/validate',
        { method, yaml: source },
      );
      setIssues(answer.warnings);
      if (method === 'POST') setMessage(`Valid: ${answer.checks} checks.`);
      else {
        setMessage(
          answer.unchanged
            ? `Unchanged: revision ${answer.revision} stays in force.`
            : `Applied: revision ${answer.revision}.`,
        );
        await load();
      }
    } catch (err) {
      setError((err as Error).message);
      if (err instanceof ApiError) setIssues(err.issues);
    }
  };

  const lines = source.split('\n');
  const byLine = new Map<number, Issue[]>();
  for (const issue of issues)
    if (issue.line) byLine.set(issue.line, [...(byLine.get(issue.line) ?? []), issue]);

  return (
    <section class="policy">
      <h1>Policy</h1>
      {current && (
        <p class="muted">
          Revision {current.revision} in force{current.createdAt && `, since ${when(current.createdAt)}`}.
        </p>
      )}
      <label for="policy-source">Policy YAML</label>
      <textarea
        id="policy-source"
        name="policy"
        rows={Math.min(30, Math.max(10, lines.length + 2))}
        spellcheck={false}
        value={source}
        onInput={(e) => setSource(e.currentTarget.value)}
      />
      <div class="buttons">
        <button type="button" onClick={() => void send('POST')}>
          Validate
        </button>
        <button type="button" onClick={() => void send('PUT')}>
          Apply
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {issues.length > 0 && (
        <>
          <ul class="issues">
            {issues.map((issue, i) => (
              <li key={i}>
                {issue.line ? `line ${issue.line}` : issue.path}: {issue.message}
              </li>
            ))}
          </ul>
          <ol class="source">
            {lines.map((text, i) => (
              <li key={i} class={byLine.has(i + 1) ? 'flagged' : undefined}>
                <code>{text || ' '}</code>
                {byLine.get(i + 1)?.map((issue, j) => (
                  <div key={j} class="issue">
                    ↑ {issue.message}
                  </div>
                ))}
              </li>
            ))}
          </ol>
        </>
      )}
      <PolicyRevisions latest={current?.revision} />
    </section>
  );
}
