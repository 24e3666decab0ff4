import type { ResolvedFlapping } from '@portwarden/common/policy/resolved';
import {
  incidentEvent,
  LIVENESS_CHECK_ID,
  type Cause,
  type EventGroup,
  type HoldReason,
  type IncidentEvent,
  type Notice,
  type Subject,
} from './event.js';
import { flappingText, stableText, type FlapVerdict } from './flapping.js';
import { inhibited, type UnreachableSpan } from './inhibition.js';
import { withGrouping } from './grouping.js';
import type { CheckState, Decision } from './next-state.js';
import { decideTelling, type TellDecision } from './tell.js';

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
  /** One incident as booked. */
  incident(incidentId: number): Promise<BookedIncident>;
  /** The latest incident of this agent and check whose firing was told, `excluding` one (the open one). */
  lastTold(agentId: number, checkId: string, excluding: number | null): Promise<BookedIncident | undefined>;
  /** Records what receivers have been told of an incident. */
  setTold(
    incidentId: number,
    told: Partial<Pick<BookedIncident, 'firingTold' | 'resolveOwed'>>,
  ): Promise<void>;
  /** The agent's "agent unreachable" incidents still open, or resolved at or after `since`. */
  unreachableSpans(agentId: number, since: Date): Promise<UnreachableSpan[]>;
}

export interface NewIncident extends Cause {
  checkId: string;
  checkName: string;
  alertGroup: string;
  openedAt: Date;
  /** Whether its firing is told now (false: recorded, held by inhibition or flapping). */
  firingTold: boolean;
}

export interface ClosedIncident {
  cause: Cause;
  openedAt: Date;
  resolvedAt: Date;
  firingTold: boolean;
  /** The groups its escalation steps went to: they are told of the resolve too. */
  escalatedTo?: EventGroup[];
}

export interface BookedIncident {
  id: number;
  cause: Cause;
  openedAt: Date;
  resolvedAt: Date | null;
  /** Receivers were told it fired. */
  firingTold: boolean;
  /** It resolved while its check was flapping: receivers still owe being told. */
  resolveOwed: boolean;
}

export interface Transition {
  /** The state before the observation, and the decision `nextState` made on it. */
  prev: CheckState | undefined;
  decision: Decision;
  /** The incident open before the observation, if any. */
  incidentId: number | null;
  /** Whether the firing of that incident was told (its row's `firing_told`). @default true */
  firingTold?: boolean;
  /** What the observation says went wrong (used when it opens an incident). */
  cause: Cause;
  /** The controller's time of the observation: incidents are booked by it, never by an agent's clock. */
  at: Date;
  /** The agent's own time of the probe, shown beside `at` when the two differ. */
  probedAt?: Date;
  /** Flap detection's verdict on this observation (state/flapping.ts). @default steady */
  flap?: { verdict: FlapVerdict; settings: ResolvedFlapping | undefined };
}

export interface Booking {
  /** The incident open after the observation, if any. */
  incidentId: number | null;
  /** Whether receivers were told that incident fired; true when none is open. */
  firingTold: boolean;
  /** Outbox rows written. */
  events: number;
}

/**
 * The one place where a decision becomes an incident row and outbox events, for check results
 * and agent liveness alike. Whether each event is sent or only recorded (inhibition, flapping), and
 * what is told later, is `decideTelling`'s (state/tell.ts); silences and escalation hook in here.
 */
export async function bookTransition(book: IncidentBook, subject: Subject, t: Transition): Promise<Booking> {
  const quiet = quietBooking(t);
  if (quiet) return quiet;
  const flap = t.flap?.verdict ?? 'steady';
  const isInhibited = await askInhibited(book, subject, t, flap);
  if (t.decision.event === 'opened') {
    const telling = decideTelling({
      transition: 'opened',
      flap,
      inhibited: isInhibited,
      failing: true,
      firingTold: undefined,
    });
    const paid = await resolveLastTold(book, subject, t, telling, null);
    const booking = await open(book, subject, t, telling);
    return { ...booking, events: booking.events + paid };
  }
  if (t.decision.event === 'resolved' && t.incidentId !== null) {
    return resolve(book, subject, t, t.incidentId, flap);
  }
  const stillOpen = t.incidentId !== null && t.decision.state.incidentOpen;
  const firingTold = t.firingTold ?? true;
  const telling = decideTelling({
    transition: undefined,
    flap,
    inhibited: isInhibited,
    failing: t.decision.state.outcome === 'down',
    firingTold: stillOpen ? firingTold : undefined,
  });
  const paid = await resolveLastTold(book, subject, t, telling, t.incidentId);
  const fired =
    telling.fireOpen && stillOpen ? await fire(book, subject, t, t.incidentId!, telling.fireOpen) : 0;
  return { incidentId: t.incidentId, firingTold: firingTold || fired > 0, events: paid + fired };
}

/**
 * The booking of an observation that changes nothing receivers hear of: no incident opens or
 * resolves, flapping is steady, and no held firing waits to be released. Nearly every result is
 * one; ingest books them without the store (and without a promise). Undefined: ask bookTransition.
 */
export function quietBooking(
  t: Pick<Transition, 'decision' | 'incidentId' | 'firingTold'> & { flap?: { verdict: FlapVerdict } },
): Booking | undefined {
  if (t.decision.event !== undefined || (t.flap?.verdict ?? 'steady') !== 'steady') return undefined;
  const firingTold = t.firingTold ?? true;
  if (t.incidentId !== null && !firingTold) return undefined;
  return { incidentId: t.incidentId, firingTold, events: 0 };
}

/** Asks the store only when inhibition can change what is told; never for liveness itself. */
async function askInhibited(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  flap: FlapVerdict,
): Promise<boolean> {
  if (subject.check.id === LIVENESS_CHECK_ID || !subject.group) return false;
  const heldOpen = t.incidentId !== null && t.firingTold === false;
  if (t.decision.event !== 'opened' && !heldOpen && flap !== 'ends') return false;
  const since = t.probedAt && t.probedAt < t.at ? t.probedAt : t.at;
  return inhibited(await book.unreachableSpans(subject.agent.id, since), t.probedAt);
}

async function open(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  telling: TellDecision,
): Promise<Booking> {
  const { agent, check, group } = subject;
  const hold = telling.event?.hold;
  const firingTold = group !== undefined && hold === undefined;
  const incidentId = await book.openIncident(agent.id, {
    ...t.cause,
    checkId: check.id,
    checkName: check.name,
    alertGroup: group?.id ?? '',
    openedAt: t.at,
    firingTold,
  });
  if (incidentId === undefined)
    return { incidentId: t.incidentId, firingTold: t.firingTold ?? true, events: 0 }; // already open
  if (!group) return { incidentId, firingTold, events: 0 };
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
  // Last: an event held for another reason (an inhibition, flapping) is not grouped.
  const event = withGrouping(
    told(opened, hold, telling.event?.flappingNotice && flappingNotice(t)),
    subject,
    subject.grouping,
    t.at,
  );
  await book.addOutbox(incidentId, event);
  return { incidentId, firingTold, events: 1 };
}

async function resolve(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  incidentId: number,
  flap: FlapVerdict,
): Promise<Booking> {
  const closed = await book.resolveIncident(incidentId, t.at);
  if (!subject.group) return { incidentId: null, firingTold: true, events: 0 };
  const telling = decideTelling({
    transition: 'resolved',
    flap,
    inhibited: false,
    failing: false,
    firingTold: closed.firingTold,
  });
  if (telling.owesResolve) await book.setTold(incidentId, { resolveOwed: true });
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
  const hold = telling.event?.hold;
  const resolvedEvent = told(event, hold, telling.event?.flappingNotice && flappingNotice(t));
  await book.addOutbox(incidentId, resolvedEvent);
  // The same resolve for each group the incident was escalated to (followup/escalate-sweep.ts).
  const escalatedTo = closed.escalatedTo ?? [];
  for (const group of escalatedTo) await book.addOutbox(incidentId, { ...resolvedEvent, alertGroup: group });
  const paid = await resolveLastTold(book, subject, t, telling, null);
  return { incidentId: null, firingTold: true, events: 1 + escalatedTo.length + paid };
}

/** Flapping ended: the resolve of the last incident receivers were told fired, when it is owed (or always). */
async function resolveLastTold(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  telling: TellDecision,
  excluding: number | null,
): Promise<number> {
  if (!telling.resolveLastTold || !subject.group) return 0;
  const last = await book.lastTold(subject.agent.id, subject.check.id, excluding);
  if (!last || last.resolvedAt === null) return 0;
  if (telling.resolveLastTold === 'owed' && !last.resolveOwed) return 0;
  if (last.resolveOwed) await book.setTold(last.id, { resolveOwed: false });
  const event = incidentEvent(withGroup(subject, subject.group), {
    event: 'resolved',
    incidentId: last.id,
    cause: last.cause,
    consecutiveFailures: 0,
    openedAt: last.openedAt,
    resolvedAt: last.resolvedAt,
  });
  await book.addOutbox(last.id, told(event, undefined, stableNotice(t)));
  return 1;
}

/** Tells the firing of the open incident that was held (or, after flapping, tells it again). */
async function fire(
  book: IncidentBook,
  subject: Subject,
  t: Transition,
  incidentId: number,
  why: 'released' | 'stable',
): Promise<number> {
  if (!subject.group) return 0;
  const incident = await book.incident(incidentId);
  await book.setTold(incidentId, { firingTold: true });
  const event = incidentEvent(withGroup(subject, subject.group), {
    event: 'opened',
    incidentId,
    cause: incident.cause,
    consecutiveFailures: t.decision.state.consecutiveFailures,
    openedAt: incident.openedAt,
    ...(t.probedAt && { probedAt: t.probedAt }),
  });
  const notice: Notice =
    why === 'stable'
      ? { kind: 'released', text: stableText(t.flap?.settings) }
      : { kind: 'released', text: 'The agent is reachable again and the check still fails.' };
  await book.addOutbox(incidentId, told(event, undefined, notice));
  return 1;
}

function withGroup(subject: Subject, group: EventGroup): Subject & { group: EventGroup } {
  return { ...subject, group };
}

function told(
  event: Omit<IncidentEvent, 'outboxId'>,
  hold: HoldReason | undefined,
  notice: Notice | undefined,
): Omit<IncidentEvent, 'outboxId'> {
  return { ...event, ...(notice && { notice }), ...(hold && { hold }) };
}

function flappingNotice(t: Transition): Notice | undefined {
  return t.flap?.settings && { kind: 'flapping', text: flappingText(t.flap.settings) };
}

function stableNotice(t: Transition): Notice {
  return { kind: 'flapping', text: stableText(t.flap?.settings) };
}
