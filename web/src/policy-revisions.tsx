import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { when } from './format.js';
import { lineDiff, type DiffLine } from './line-diff.js';

/** GET /api/v1/policy/revisions: one applied revision. */
interface RevisionRow {
  revision: number;
  createdAt: string;
  hash: string;
}

const SIGN = { added: '+', removed: '-', same: ' ' } as const;

/**
 * The applied revisions, newest first, and the line diff between two chosen ones (older first).
 * `latest` is the revision in force: a new one reloads the list.
 */
export function PolicyRevisions({ latest }: { latest: number | undefined }) {
  const [revisions, setRevisions] = useState<RevisionRow[]>([]);
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const [diff, setDiff] = useState<DiffLine[]>();
  const [error, setError] = useState('');

  useEffect(() => {
    api<{ revisions: RevisionRow[] }>('/api/v1/policy/revisions?limit=100').then(
      ({ revisions: rows }) => {
        setRevisions(rows);
        setTo(rows[0]?.revision);
        setFrom(rows[1]?.revision ?? rows[0]?.revision);
      },
      (err: Error) => setError(err.message),
    );
  }, [latest]);

  useEffect(() => {
    setDiff(undefined);
    if (from === undefined || to === undefined) return;
    let stale = false;
    const source = (n: number) =>
      api<{ source: string }>(`/api/v1/policy/revisions/${n}`).then((r) => r.source);
    Promise.all([source(from), source(to)]).then(
      ([a, b]) => !stale && setDiff(lineDiff(a, b)),
      (err: Error) => !stale && setError(err.message),
    );
    return () => {
      stale = true;
    };
  }, [from, to]);

  const pick = (label: string, name: string, value: number | undefined, set: (n: number) => void) => (
    <label>
      {label}{' '}
      <select name={name} value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {revisions.map((r) => (
          <option key={r.revision} value={r.revision}>
            {r.revision} ({when(r.createdAt)}, {r.hash.slice(0, 8)})
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section class="revisions">
      <h2>Revisions</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ol class="revision-list">
        {revisions.map((r) => (
          <li key={r.revision} data-revision={r.revision}>
            {r.revision}: {when(r.createdAt)} <code>{r.hash.slice(0, 12)}</code>
          </li>
        ))}
      </ol>
      {revisions.length > 1 && (
        <>
          <div class="buttons">
            {pick('From', 'from', from, setFrom)}
            {pick('to', 'to', to, setTo)}
          </div>
          {diff && (
            <ol class="diff" aria-label={`changes from revision ${from} to ${to}`}>
              {diff.map((line, i) => (
                <li key={i} class={line.kind}>
                  <code>
                    {SIGN[line.kind]} {line.text}
                  </code>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
