/** "3 min ago": how long a state has held, from the browser's clock. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/**
 * The board's `data-state`: the API's status, except that a check with no result yet is
 * `unknown` (the API calls it pending).
 */
export function boardState(status: string): string {
  return status === 'pending' ? 'unknown' : status;
}

/**
 * The board's label filter: `key=value` or bare `key` terms, separated by commas or spaces; every
 * one must match the agent's labels.
 */
export function labelsMatch(selector: string, labels: Record<string, string> | undefined): boolean {
  for (const term of selector.split(/[\s,]+/).filter(Boolean)) {
    const [key, value] = term.split('=', 2) as [string, string | undefined];
    if (!labels || !Object.hasOwn(labels, key)) return false;
    if (value !== undefined && labels[key] !== value) return false;
  }
  return true;
}
