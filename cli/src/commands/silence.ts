import { ConfigError } from '@portwarden/common/errors';
import type { ApiClient } from '../client.js';
import { renderTable } from '../table.js';

/** A silence as `GET /api/v1/silences` answers it (controller api/silence-routes.ts). */
export interface SilenceRow {
  id: number;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiredAt: string | null;
  state: 'active' | 'pending' | 'expired';
}

export interface AddSilenceOptions {
  match: string[];
  for?: string;
  until?: string;
  comment: string;
}

/**
 * `portwarden silence add --match M... --for D|--until TIME --comment TEXT`: the id alone on
 * stdout (so that `ID=$(portwarden silence add ...)` works), what it covers on stderr. The
 * matchers are checked by the controller, which names the one that is wrong.
 */
export async function addSilence(
  client: ApiClient,
  options: AddSilenceOptions,
  out: (text: string) => void,
  note: (text: string) => void,
): Promise<void> {
  if (options.match.length === 0)
    throw new ConfigError('no --match given', 'name what to silence: --match check=web --match agent=web-1');
  if ((options.for === undefined) === (options.until === undefined))
    throw new ConfigError('give --for or --until, one of them', 'for example --for 2h');
  const created = await client.post<SilenceRow>('/api/v1/silences', {
    matchers: options.match,
    ...(options.for !== undefined && { duration: options.for }),
    ...(options.until !== undefined && { endsAt: untilTime(options.until) }),
    comment: options.comment,
  });
  out(`${created.id}\n`);
  note(`silence ${created.id} (${created.state}): ${created.matchers.join(', ')} until ${created.endsAt}\n`);
}

/** `--until`: an ISO 8601 time; without an offset it is the local time of this machine. */
function untilTime(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text.trim()) ? new Date(text.trim()) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new ConfigError(
      `invalid --until "${text}"`,
      'write an ISO 8601 time such as 2026-12-07T22:00 (local) or 2026-12-07T22:00:00Z',
    );
  return at.toISOString();
}

/** `portwarden silence list`: active and pending silences, and those that ended in the last day. */
export async function listSilences(client: ApiClient, out: (text: string) => void): Promise<void> {
  const { silences } = await client.get<{ silences: SilenceRow[] }>('/api/v1/silences');
  out(
    renderTable(
      ['id', 'state', 'matchers', 'starts', 'ends', 'created by', 'comment'],
      silences.map((s) => [
        s.id,
        s.state,
        s.matchers.join(', '),
        s.startsAt,
        s.endsAt,
        s.createdBy,
        s.comment,
      ]),
    ),
  );
}

/** `portwarden silence expire ID`: ends it now; an incident it held that still fires is notified. */
export async function expireSilence(
  client: ApiClient,
  id: string,
  out: (text: string) => void,
): Promise<void> {
  const silence = await client.post<SilenceRow>(`/api/v1/silences/${encodeURIComponent(id)}/expire`, {});
  out(`silence ${silence.id} expired\n`);
}
