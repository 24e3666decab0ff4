import type { ApiClient } from '../client.js';

/** What `POST /api/v1/incidents/ID/ack` answers. */
export interface AckAnswer {
  incident: number;
  acknowledged: { by: string; at: string; comment?: string };
  alreadyAcknowledged: boolean;
}

/**
 * `portwarden ack INCIDENT [--comment TEXT]`: acknowledges an open incident as this token's name;
 * its repeats and escalation stop, and its alert group (PagerDuty among them) hears of it.
 * Acknowledging again changes nothing and says who did it first.
 */
export async function ack(
  client: ApiClient,
  incident: string,
  options: { comment?: string },
  out: (text: string) => void,
): Promise<void> {
  const answer = await client.post<AckAnswer>(
    `/api/v1/incidents/${encodeURIComponent(incident)}/ack`,
    options.comment === undefined ? {} : { comment: options.comment },
  );
  out(formatAck(answer));
}

export function formatAck({ incident, acknowledged, alreadyAcknowledged }: AckAnswer): string {
  const comment = acknowledged.comment ? `: ${acknowledged.comment}` : '';
  return alreadyAcknowledged
    ? `incident ${incident} was already acknowledged by ${acknowledged.by} at ${acknowledged.at}${comment}\n`
    : `incident ${incident} acknowledged by ${acknowledged.by}${comment}\n`;
}
