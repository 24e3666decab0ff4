import { incidentEvent, type Cause, type IncidentEvent, type Subject } from './event.js';
import { withGrouping } from './grouping.js';
import type { CheckState, Decision } from './next-state.js';

/**
 * What the state stage needs from storage, inside the caller's transaction (ingest's or liveness's).
 * The PostgreSQL version is store/incidents.ts with store/outbox.ts.
 */
export interface IncidentBook {
  /** Opens an incident; undefined when one is already open for this agent and check. */
  openIncident(agentId: number, incident: NewIncident): Promise<number | undefined>;
  /** Resolves it at `at`, or at its opening if `at` is earlier: times never run backwards. */
  resolveIncident(incidentId: number, at: Date): Promise<ClosedIncident>;
  addOutbox(incidentId: number, event: Omit<IncidentEvent, 'outboxId'>): Promise<void>;
}

export interface NewIncident extends Cause {
  checkId: string;
  checkName: string;
  alertGroup: string;
  openedAt: Date;
}

export interface ClosedIncident {
  cause: Cause;
  openedAt: Date;
  resolvedAt: Date;
}

export interface Transition {
  /** The state before the observation, and the decision `nextState` made on it. */
  prev: CheckState | undefined;
  decision: Decision;
  /** The incident open before the observation, if any. */
  incidentId: number | null;
  /** What the observation says went wrong (used when it opens an incident). */
  cause: Cause;
  /** The controller's time of the observation: incidents are booked by it, never by an agent's clock. */
  at: Date;
  /** The agent's own time of the probe, shown beside `at` when the two differ. */
  probedAt?: Date;
}

export interface Booking {
  /** The incident open after the observation, if any. */
  incidentId: number | null;
  /** Outbox rows written. */
  events: number;
}

/**
 * The one place where a decision becomes an incident row and an outbox event, for check results
 * and agent liveness alike; silences, inhibition and escalation hook in here.
 */
export async function bookTransition(book: IncidentBook, subject: Subject, t: Transition): Promise<Booking> {
  if (t.decision.event === 'opened') return open(book, subject, t);
  if (t.decision.event === 'resolved' && t.incidentId !== null)
    return resolve(book, subject, t, t.incidentId);
  return { incidentId: t.incidentId, events: 0 };
}

async function open(book: IncidentBook, subject: Subject, t: Transition): Promise<Booking> {
  const { agent, check, group } = subject;
  const incidentId = await book.openIncident(agent.id, {
    ...t.cause,
    checkId: check.id,
    checkName: check.name,
    alertGroup: group?.id ?? '',
    openedAt: t.at,
  });
  if (incidentId === undefined) return { incidentId: t.incidentId, events: 0 }; // already open
  if (!group) return { incidentId, events: 0 };
  const opened = incidentEvent(
    { ...subject, group },
    {
      event: 'opened',
      incidentId,
      cause: t.cause,
      consecutiveFailures: t.decision.state.consecutiveFailures,
      openedAt: t.at,
      ...(t.probedAt && { probedAt: t.probedAt }),
    },
  );
  // Last: an event held for another reason (an inhibition) is not grouped.
  const event = withGrouping(opened, subject, subject.grouping, t.at);
  await book.addOutbox(incidentId, event);
  return { incidentId, events: 1 };
}

async function resolve(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  incidentId: number,
): Promise<Booking> {
  const closed = await book.resolveIncident(incidentId, t.at);
  if (!subject.group) return { incidentId: null, events: 0 };
  const event = incidentEvent(
    { ...subject, group: subject.group },
    {
      event: 'resolved',
      incidentId,
      cause: closed.cause,
      consecutiveFailures: t.prev?.consecutiveFailures ?? 0,
      openedAt: closed.openedAt,
      resolvedAt: closed.resolvedAt,
      ...(t.probedAt && { probedAt: t.probedAt }),
    },
  );
  await book.addOutbox(incidentId, event);
  return { incidentId: null, events: 1 };
}
