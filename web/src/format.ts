import type { CheckStatus, FirewallReport } from './api.js';

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

/** What the board needs of a row of `GET /api/v1/checks` to name its state. */
export type BoardRow = Pick<
  CheckStatus,
  'status' | 'flapping' | 'incidentId' | 'consecutiveSuccesses' | 'successesBeforeResolve'
>;

/**
 * The board's `data-state`: the API's status, except that a check with no result yet is
 * `unknown` (the API calls it pending), and a flapping check is `flapping` whether up or down
 * (its state changes too often to mean anything). A disabled check is not probed: `disabled`.
 */
export function boardState(row: Pick<BoardRow, 'status' | 'flapping'>): string {
  if (row.status === 'disabled') return 'disabled';
  if (row.flapping) return 'flapping';
  return row.status === 'pending' ? 'unknown' : row.status;
}

/**
 * "recovering 2/3": up again, but its incident stays open until `successesBeforeResolve`
 * successes in a row; null otherwise.
 */
export function recovering(row: BoardRow): string | null {
  if (row.status !== 'up' || row.incidentId === null) return null;
  return `recovering ${row.consecutiveSuccesses}/${row.successesBeforeResolve}`;
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

/** One line of the agent page's firewall table. */
export interface ProfileLine {
  profile: string;
  state: string;
  provider: string;
  groupPolicy: string;
}

/**
 * A firewall check's report as one line per profile, in the order the agent read them. The agent
 * asks Group Policy only about profiles that are not on, so an absent answer is "not checked",
 * not "no". A report no provider could read says so instead of naming one.
 */
export function profileLines(report: FirewallReport | null): ProfileLine[] {
  if (!report) return [];
  const provider = report.provider ?? 'none could read it';
  return report.profiles.map((p) => ({
    profile: p.profile,
    state: p.state,
    provider,
    groupPolicy:
      p.gpoOverride === true ? 'enforced' : p.gpoOverride === false ? 'not enforced' : 'not checked',
  }));
}
