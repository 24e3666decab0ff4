import { ConfigError } from '@portwarden/common/errors';
import type { ApiClient } from '../client.js';

/** The fields of `GET /api/v1/incidents/:id`'s incident the timeline shows. */
export interface IncidentView {
  id: number;
  agent: string;
  checkName: string;
  alertGroup: string;
  reason: string | null;
  detail?: string | null;
  openedAt: string;
  resolvedAt: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
  ackComment: string | null;
}

/** The fields of its notifications (as `GET /api/v1/notifications` lists them) the timeline shows. */
export interface NotificationView {
  event: string;
  notice: string | null;
  channelKey: string;
  status: string;
  attempts: number;
  error: string | null;
  eventAt: string;
  updatedAt: string | null;
}

/** The kinds `describe` knows; one today. */
export const DESCRIBE_KINDS = ['incident'] as const;

/**
 * `portwarden describe incident N`: the incident's timeline as text: opened, each notification
 * with its delivery status, the acknowledgement, resolved.
 */
export async function describeIncident(
  client: ApiClient,
  kind: string,
  idText: string,
  out: (text: string) => void,
): Promise<void> {
  if (kind !== 'incident')
    throw new ConfigError(`cannot describe "${kind}"`, `describe ${DESCRIBE_KINDS.join(' | ')} ID`);
  const id = Number(idText);
  if (!Number.isInteger(id) || id < 1)
    throw new ConfigError(`invalid incident id "${idText}"`, 'the id `portwarden get incidents` shows');
  // One incident and its deliveries; an unknown id is the API's 404 (`no incident N`).
  const { incident, notifications } = await client.get<{
    incident: IncidentView;
    notifications: NotificationView[];
  }>(`/api/v1/incidents/${id}`);
  out(incidentTimeline(incident, notifications));
}

interface Entry {
  at: string;
  text: string;
}

/** The timeline, oldest first; entries at the same time keep the order of the story. */
export function incidentTimeline(incident: IncidentView, notifications: NotificationView[]): string {
  const head = `incident ${incident.id}: ${incident.checkName} on ${incident.agent} (alert group ${incident.alertGroup}), ${
    incident.resolvedAt ? 'resolved' : incident.ackedAt ? 'open, acknowledged' : 'open'
  }`;
  const entries: Entry[] = [
    {
      at: incident.openedAt,
      text: `opened${incident.reason ? `: ${incident.reason}` : ''}${incident.detail ? `: ${incident.detail}` : ''}`,
    },
    // The API lists the newest change first; the story reads oldest first.
    ...[...notifications].reverse().map((n) => ({ at: n.eventAt, text: notificationLine(n) })),
  ];
  if (incident.ackedAt)
    entries.push({
      at: incident.ackedAt,
      text: `acknowledged by ${incident.ackedBy ?? '?'}${incident.ackComment ? `: ${incident.ackComment}` : ''}`,
    });
  if (incident.resolvedAt) entries.push({ at: incident.resolvedAt, text: 'resolved' });
  const sorted = entries
    .map((e, i) => ({ ...e, i, t: Date.parse(e.at) }))
    .sort((a, b) => a.t - b.t || a.i - b.i);
  return `${head}\n${sorted.map((e) => `  ${e.at}  ${e.text}`).join('\n')}\n`;
}

/** `notified ops#1:slack (opened, repeat): sent after 2 attempts`, `...: failed: HTTP 500`. */
function notificationLine(n: NotificationView): string {
  const event = n.notice ? `${n.event}, ${n.notice}` : n.event;
  const attempts = n.attempts > 1 ? ` after ${n.attempts} attempts` : '';
  return `notified ${n.channelKey} (${event}): ${n.status}${attempts}${n.error ? `: ${n.error}` : ''}`;
}
