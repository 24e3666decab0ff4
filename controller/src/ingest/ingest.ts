import {
  POLICY_DEFAULTS,
  respondsFirst,
  type ResolvedCheck,
  type ResolvedPolicy,
} from '@portwarden/common/policy/resolved';
import { bookTransition, quietBooking, type Booking } from '../state/book.js';
import { groupingRule } from '../state/grouping.js';
import { incidentResponse, type Cause, type Subject } from '../state/event.js';
import { judgeFlapping, NOT_FLAPPING, type FlapDecision } from '../state/flapping.js';
import { nextState, type Decision, type Observation, type Thresholds } from '../state/next-state.js';
import type {
  IncomingResult,
  IngestAgent,
  IngestStore,
  IngestTransaction,
  StateSave,
  StoredCheckState,
} from './types.js';
import { resultKey, stateKey } from './types.js';
import { allOrFirstError } from './first-error.js';

/**
 * What a batch changed. Every result in it is committed once this resolves; what the stream acks
 * is decided per stream (grpc/acks.ts).
 */
export interface IngestOutcome {
  /** How many results were new (the rest were replays). */
  stored: number;
  /** Incident events written to the outbox. */
  events: number;
}

/** One agent's batch, as a stream handed it in. */
export interface IngestBatch {
  agent: IngestAgent;
  results: IncomingResult[];
}

/**
 * Stores a batch and advances check state in one transaction: results, state, incidents and the
 * outbox commit together or not at all. Replayed results (already stored) change nothing.
 */
export async function ingestBatch(
  store: IngestStore,
  agent: IngestAgent,
  inForce: PolicyInForce | undefined,
  results: IncomingResult[],
  /** The controller's time of receipt: incidents are booked by it, never by the agent's clock. */
  receivedAt: Date = new Date(),
): Promise<IngestOutcome> {
  const [outcome] = await store.transaction((tx) =>
    ingestGroup(tx, [{ agent, results }], inForce, receivedAt),
  );
  return outcome!;
}

/**
 * The batches of many streams in the caller's transaction (group commit, ingest/group-commit.ts):
 * one INSERT for every result, one SELECT and one guarded upsert for every check state touched;
 * incidents, outbox and responses only where a result changes something. Each agent appears in at
 * most one batch of a group, and its results are decided in seq order. Outcomes in batch order.
 */
export async function ingestGroup(
  tx: IngestTransaction,
  batches: IngestBatch[],
  inForce: PolicyInForce | undefined,
  receivedAt: Date,
): Promise<IngestOutcome[]> {
  const fresh = await tx.insertResults(
    batches.flatMap(({ agent, results }) => results.map((result) => ({ agentId: agent.id, result }))),
  );
  const work = batches.map(({ agent, results }) => ({
    agent,
    byCheck: groupByCheck(results.filter((r) => fresh.has(resultKey(agent.id, r.seq)))),
  }));
  const states = await tx.readStates(
    work.flatMap(({ agent, byCheck }) =>
      [...byCheck.keys()].map((checkId) => ({ agentId: agent.id, checkId })),
    ),
  );
  const checks = checksById(inForce);
  const saves: StateSave[] = [];
  const outcomes: IngestOutcome[] = [];
  // Each check's results are decided in seq order, but different checks share nothing (their
  // incidents, outbox rows and responses are their own): their bookings go out together and
  // postgres.js pipelines them on the transaction's connection, so a burst of incidents costs a
  // few round trips instead of three per incident while every stream of the group waits.
  const chains: Promise<void>[] = [];
  for (const { agent, byCheck } of work) {
    const outcome = { stored: 0, events: 0 };
    outcomes.push(outcome);
    for (const [checkId, checkResults] of byCheck) {
      outcome.stored += checkResults.length;
      const check = checks.get(checkId);
      if (!check) continue; // a check removed from the policy: keep its results, stop deciding on them
      const start = states.get(stateKey(agent.id, checkId));
      const settle = (advanced: Advanced) => {
        outcome.events += advanced.events;
        if (advanced.save)
          saves.push({ agentId: agent.id, checkId, ...advanced.save, readSeq: start?.lastSeq ?? null });
      };
      const subject = () => checkSubject(agent, check, inForce!);
      const advanced = advance(tx, subject, check, start, checkResults, receivedAt);
      if (advanced instanceof Promise) chains.push(advanced.then(settle));
      else settle(advanced);
    }
  }
  await allOrFirstError(chains);
  await tx.saveStates(saves);
  return outcomes;
}

/** The policy's checks by id, built once per policy in force, not once per batch. */
const checkIndex = new WeakMap<ResolvedPolicy, Map<string, ResolvedCheck>>();
function checksById(inForce: PolicyInForce | undefined): Map<string, ResolvedCheck> {
  if (!inForce) return new Map();
  let index = checkIndex.get(inForce.policy);
  if (!index) {
    index = new Map(inForce.policy.checks.map((c) => [c.id, c]));
    checkIndex.set(inForce.policy, index);
  }
  return index;
}

/** What one check's results of a batch came to: outbox events written, and its state to save. */
interface Advanced {
  events: number;
  save?: Pick<StateSave, 'state' | 'last'>;
}

/** A check's walk through its results: the state so far and the last result that moved it. */
interface Walk {
  state: StoredCheckState | undefined;
  last: IncomingResult | undefined;
  events: number;
}

/** One result decided: its transition, and its booking when nothing needs the store. */
interface Step {
  result: IncomingResult;
  decision: Decision;
  flap: FlapDecision;
  quiet: Booking | undefined;
}

/**
 * Decides a check's results in seq order. Nearly all of them book nothing (quietBooking): those
 * are decided synchronously, with no promise and no subject built; from the first that books
 * something (or reports a response round) the rest goes through the store, asynchronously.
 */
function advance(
  tx: IngestTransaction,
  subject: () => Subject,
  check: ResolvedCheck,
  start: StoredCheckState | undefined,
  results: IncomingResult[],
  receivedAt: Date,
): Advanced | Promise<Advanced> {
  const thresholds = thresholdsOf(check);
  const walk: Walk = { state: start, last: undefined, events: 0 };
  for (let i = 0; i < results.length; i++) {
    const step = decide(walk, results[i]!, check, thresholds, receivedAt);
    if (!step) continue;
    if (!step.quiet)
      return advanceBooking(tx, subject(), check, walk, step, results.slice(i + 1), thresholds, receivedAt);
    moveOn(walk, step, step.quiet);
  }
  return finished(walk);
}

async function advanceBooking(
  tx: IngestTransaction,
  subject: Subject,
  check: ResolvedCheck,
  walk: Walk,
  first: Step,
  rest: IncomingResult[],
  thresholds: Thresholds,
  receivedAt: Date,
): Promise<Advanced> {
  await book(tx, subject, check, walk, first, receivedAt);
  for (const result of rest) {
    const step = decide(walk, result, check, thresholds, receivedAt);
    if (step) await book(tx, subject, check, walk, step, receivedAt);
  }
  return finished(walk);
}

/** Undefined for a result older than what the state already reflects. */
function decide(
  walk: Walk,
  result: IncomingResult,
  check: ResolvedCheck,
  thresholds: Thresholds,
  receivedAt: Date,
): Step | undefined {
  const state = walk.state;
  if (state && result.seq <= state.lastSeq) return undefined;
  const decision = nextState(state, observation(result, receivedAt), thresholds);
  const flap = judgeFlapping(state?.flap ?? NOT_FLAPPING, decision.event, check.flapping, receivedAt);
  const quiet = result.response
    ? undefined
    : quietBooking({
        decision,
        incidentId: state?.incidentId ?? null,
        ...(state && { firingTold: state.firingTold }),
        flap,
      });
  return { result, decision, flap, quiet };
}

async function book(
  tx: IngestTransaction,
  subject: Subject,
  check: ResolvedCheck,
  walk: Walk,
  { result, decision, flap, quiet }: Step,
  receivedAt: Date,
): Promise<void> {
  const state = walk.state;
  const booked =
    quiet ??
    (await bookTransition(tx, subject, {
      prev: state,
      decision,
      incidentId: state?.incidentId ?? null,
      ...(state && { firingTold: state.firingTold }),
      cause: cause(result),
      at: receivedAt,
      probedAt: result.startedAt,
      flap: { verdict: flap.verdict, settings: check.flapping },
    }));
  walk.events += booked.events;
  if (result.response) {
    await tx.recordResponse(subject.agent.id, {
      seq: result.seq,
      checkId: check.id,
      checkName: check.name,
      startedAt: result.startedAt,
      report: result.response,
      outcome: result.outcome,
      reason: result.reason,
      detail: result.detail,
      incidentId: decision.event === 'opened' ? booked.incidentId : null,
    });
  }
  moveOn(walk, { result, decision, flap }, booked);
}

/** The state after a result, built field by field: one object shape for every check state. */
function moveOn(walk: Walk, { result, decision, flap }: Omit<Step, 'quiet'>, booked: Booking): void {
  const next = decision.state;
  walk.state = {
    outcome: next.outcome,
    consecutiveFailures: next.consecutiveFailures,
    consecutiveSuccesses: next.consecutiveSuccesses,
    since: next.since,
    incidentOpen: next.incidentOpen,
    lastSeq: result.seq,
    incidentId: booked.incidentId,
    firingTold: booked.firingTold,
    flap: flap.state,
  };
  walk.last = result;
}

/** Only the last state of the batch is written: what came before it is in the results. */
function finished({ state, last, events }: Walk): Advanced {
  return state && last ? { events, save: { state, last } } : { events };
}

function thresholdsOf(check: ResolvedCheck): Thresholds {
  return {
    failuresBeforeAlert: check.failuresBeforeAlert,
    successesBeforeResolve: check.successesBeforeResolve ?? POLICY_DEFAULTS.successesBeforeResolve,
    respondsFirst: respondsFirst(check),
  };
}

/** A result as the decision sees it: at the controller's time, which only moves forward. */
function observation(result: IncomingResult, receivedAt: Date): Observation {
  return {
    outcome: result.outcome,
    at: receivedAt,
    ...(result.response && { response: result.response.verdict }),
    agentResponds: result.responds ?? false,
  };
}

function cause(result: IncomingResult): Cause {
  const response = result.response ? incidentResponse(result.response) : undefined;
  return { reason: result.reason, detail: result.detail, ...(response && { response }) };
}

/** What an incident of this check is about; a firewall check's host is the agent's. */
/** The policy in force and its revision, which routes the events of this batch. */
export interface PolicyInForce {
  revision: number;
  policy: ResolvedPolicy;
}

function checkSubject(
  agent: IngestAgent,
  check: ResolvedCheck,
  { revision, policy }: PolicyInForce,
): Subject {
  const group = policy.alertGroups[check.alertGroup];
  const grouping = groupingRule(group);
  return {
    agent,
    check:
      check.kind === 'firewall'
        ? { id: check.id, name: check.name, host: agent.hostname || agent.name, port: 0, kind: 'firewall' }
        : { id: check.id, name: check.name, host: check.host, port: check.port },
    // A group unknown to the revision (impossible after validation) still books, tells nobody.
    group: {
      id: check.alertGroup,
      name: group?.name ?? check.alertGroup,
      ...(group?.repeatIntervalMs !== undefined && { repeatIntervalMs: group.repeatIntervalMs }),
    },
    policyRevision: revision,
    ...(grouping && { grouping }),
  };
}

function groupByCheck(results: IncomingResult[]): Map<string, IncomingResult[]> {
  const groups = new Map<string, IncomingResult[]>();
  for (const result of [...results].sort((a, b) => a.seq - b.seq)) {
    const list = groups.get(result.checkId) ?? [];
    list.push(result);
    groups.set(result.checkId, list);
  }
  return groups;
}
