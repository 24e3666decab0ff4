import {
  POLICY_DEFAULTS,
  respondsFirst,
  type ResolvedCheck,
  type ResolvedPolicy,
} from '@portwarden/common/policy/resolved';
import { bookTransition } from '../state/book.js';
import { groupingRule } from '../state/grouping.js';
import { incidentResponse, type Cause, type Subject } from '../state/event.js';
import { judgeFlapping, NOT_FLAPPING } from '../state/flapping.js';
import { nextState, type Observation } from '../state/next-state.js';
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
      const subject = checkSubject(agent, check, inForce!);
      const start = states.get(stateKey(agent.id, checkId));
      chains.push(
        advance(tx, subject, check, start, checkResults, receivedAt).then((advanced) => {
          outcome.events += advanced.events;
          if (advanced.save)
            saves.push({ agentId: agent.id, checkId, ...advanced.save, readSeq: start?.lastSeq ?? null });
        }),
      );
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

async function advance(
  tx: IngestTransaction,
  subject: Subject,
  check: ResolvedCheck,
  start: StoredCheckState | undefined,
  results: IncomingResult[],
  receivedAt: Date,
): Promise<{ events: number; save?: Pick<StateSave, 'state' | 'last'> }> {
  let state = start;
  let last: IncomingResult | undefined;
  let events = 0;
  const thresholds = {
    failuresBeforeAlert: check.failuresBeforeAlert,
    successesBeforeResolve: check.successesBeforeResolve ?? POLICY_DEFAULTS.successesBeforeResolve,
    respondsFirst: respondsFirst(check),
  };
  for (const result of results) {
    if (state && result.seq <= state.lastSeq) continue; // older than what the state already reflects
    const decision = nextState(state, observation(result, receivedAt), thresholds);
    const flap = judgeFlapping(state?.flap ?? NOT_FLAPPING, decision.event, check.flapping, receivedAt);
    const booked = await bookTransition(tx, subject, {
      prev: state,
      decision,
      incidentId: state?.incidentId ?? null,
      ...(state && { firingTold: state.firingTold }),
      cause: cause(result),
      at: receivedAt,
      probedAt: result.startedAt,
      flap: { verdict: flap.verdict, settings: check.flapping },
    });
    events += booked.events;
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
    state = {
      ...decision.state,
      lastSeq: result.seq,
      incidentId: booked.incidentId,
      firingTold: booked.firingTold,
      flap: flap.state,
    };
    last = result;
  }
  // Only the last state of the batch is written: what came before it is in the results.
  return { events, ...(state && last && { save: { state, last } }) };
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
