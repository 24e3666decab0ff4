import { acknowledgedEvent, type OpenedPayload } from './followup-events.js';

/** An incident as acknowledging sees it. */
export interface AckTarget {
  id: number;
  alertGroup: string;
  resolvedAt: Date | null;
  ack: Acknowledgement | null;
}

export interface Acknowledgement {
  /** The API token's name. */
  by: string;
  at: Date;
  comment?: string;
}

/** What acknowledging needs of storage, in one transaction; store/acks.ts. */
export interface AckBook {
  /** The incident, locked until the transaction ends; undefined when there is none. */
  lockIncident(incidentId: number): Promise<AckTarget | undefined>;
  markAcked(incidentId: number, ack: Acknowledgement): Promise<void>;
  /** The incident's latest opened event for its own group, as written to the outbox. */
  latestOpened(incidentId: number, group: string): Promise<OpenedPayload | undefined>;
  addOutbox(incidentId: number, event: OpenedPayload): Promise<void>;
}

export type AckOutcome =
  | { status: 'acknowledged'; ack: Acknowledgement; events: number }
  | { status: 'already-acknowledged'; ack: Acknowledgement }
  | { status: 'not-found' }
  | { status: 'resolved'; resolvedAt: Date };

export type AckDecision = 'acknowledge' | Exclude<AckOutcome['status'], 'acknowledged'>;

/** Pure: an open incident is acknowledged once; a second ack changes nothing and says so. */
export function decideAck(incident: AckTarget | undefined): AckDecision {
  if (!incident) return 'not-found';
  if (incident.resolvedAt) return 'resolved';
  return incident.ack ? 'already-acknowledged' : 'acknowledge';
}

/**
 * `portwarden ack`: records who acknowledged (stopping its repeats and escalation) and tells the
 * incident's group with an `acknowledged` notice on its opened event (PagerDuty: acknowledge).
 */
export async function acknowledgeIncident(
  book: AckBook,
  incidentId: number,
  ack: Acknowledgement,
): Promise<AckOutcome> {
  const incident = await book.lockIncident(incidentId);
  const decision = decideAck(incident);
  if (decision === 'not-found') return { status: decision };
  if (decision === 'resolved') return { status: decision, resolvedAt: incident!.resolvedAt! };
  if (decision === 'already-acknowledged') return { status: decision, ack: incident!.ack! };
  await book.markAcked(incidentId, ack);
  // No opened event: nobody was told of the incident (liveness without a group), nobody is now.
  const opened = await book.latestOpened(incidentId, incident!.alertGroup);
  if (opened) await book.addOutbox(incidentId, acknowledgedEvent(opened, ack.by, ack.comment));
  return { status: 'acknowledged', ack, events: opened ? 1 : 0 };
}
