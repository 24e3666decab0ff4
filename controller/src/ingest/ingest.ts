import {
  respondsFirst,
  type ResolvedAlertGroup,
  type ResolvedCheck,
  type ResolvedPolicy,
} from '@portwarden/common/policy/resolved';
import { nextState } from '../state/next-state.js';
import { incidentResponse, type IncidentEvent, type IncidentResponse } from '../outbox/event.js';
import type {
  IncomingResult,
  IngestAgent,
  IngestStore,
  IngestTransaction,
  StoredCheckState,
} from './types.js';

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

/**
 * Stores a batch and advances check state in one transaction: results, state, incidents and the
 * outbox commit together or not at all. Replayed results (already stored) change nothing.
 */
export async function ingestBatch(
  store: IngestStore,
  agent: IngestAgent,
  policy: ResolvedPolicy | undefined,
  results: IncomingResult[],
): Promise<IngestOutcome> {
  return store.transaction(async (tx) => {
    const fresh = await tx.insertResults(agent.id, results);
    const byCheck = groupByCheck(results.filter((r) => fresh.has(r.seq)));
    const states = await tx.lockStates(agent.id, [...byCheck.keys()]);
    let events = 0;
    for (const [checkId, checkResults] of byCheck) {
      const check = policy?.checks.find((c) => c.id === checkId);
      if (!check) continue; // a check removed from the policy: keep its results, stop deciding on them
      const group = policy!.alertGroups[check.alertGroup] ?? {
        id: check.alertGroup,
        name: check.alertGroup,
        channels: [],
      };
      events += await advance(tx, agent, check, group, states.get(checkId), checkResults);
    }
    return { stored: fresh.size, events };
  });
}

async function advance(
  tx: IngestTransaction,
  agent: IngestAgent,
  check: ResolvedCheck,
  group: ResolvedAlertGroup,
  start: StoredCheckState | undefined,
  results: IncomingResult[],
): Promise<number> {
  let state = start;
  let events = 0;
  const thresholds = { failuresBeforeAlert: check.failuresBeforeAlert, respondsFirst: respondsFirst(check) };
  for (const result of results) {
    if (state && result.seq <= state.lastSeq) continue; // older than what the state already reflects
    const decision = nextState(
      state,
      {
        outcome: result.outcome,
        at: result.startedAt,
        ...(result.response && { response: result.response.verdict }),
        agentResponds: result.responds ?? false,
      },
      thresholds,
    );
    let incidentId = state?.incidentId ?? null;
    const about = { agent, check, group };
    if (decision.event === 'opened') {
      const response = result.response ? incidentResponse(result.response) : undefined;
      const cause = {
        reason: result.reason,
        detail: result.detail,
        openedAt: result.startedAt,
        ...(response && { response }),
      };
      incidentId = await tx.openIncident(agent.id, {
        checkId: check.id,
        checkName: check.name,
        alertGroup: group.id,
        ...cause,
      });
      const event = incidentEvent('opened', about, incidentId, cause, decision.state.consecutiveFailures);
      await tx.addOutbox(incidentId, event);
      events += 1;
    } else if (decision.event === 'resolved' && incidentId !== null) {
      const cause = await tx.resolveIncident(incidentId, result.startedAt);
      const event = incidentEvent('resolved', about, incidentId, cause, state?.consecutiveFailures ?? 0);
      await tx.addOutbox(incidentId, { ...event, endsAt: result.startedAt.toISOString() });
      incidentId = null;
      events += 1;
    }
    if (result.response) {
      await tx.recordResponse(agent.id, {
        seq: result.seq,
        checkId: check.id,
        checkName: check.name,
        startedAt: result.startedAt,
        report: result.response,
        outcome: result.outcome,
        reason: result.reason,
        detail: result.detail,
        incidentId: decision.event === 'opened' ? incidentId : null,
      });
    }
    state = { ...decision.state, lastSeq: result.seq, incidentId };
    await tx.saveState(agent.id, check.id, state, result);
  }
  return events;
}

interface About {
  agent: IngestAgent;
  check: ResolvedCheck;
  group: ResolvedAlertGroup;
}

function incidentEvent(
  event: 'opened' | 'resolved',
  { agent, check, group }: About,
  incidentId: number,
  cause: { reason: string; detail: string; openedAt: Date; response?: IncidentResponse },
  consecutiveFailures: number,
): Omit<IncidentEvent, 'outboxId'> {
  return {
    event,
    incidentId,
    check:
      check.kind === 'firewall'
        ? { id: check.id, name: check.name, host: agent.hostname || agent.name, port: 0, kind: 'firewall' }
        : { id: check.id, name: check.name, host: check.host, port: check.port },
    agent: { name: agent.name, hostname: agent.hostname, labels: agent.labels },
    alertGroup: group,
    reason: cause.reason,
    detail: cause.detail,
    consecutiveFailures,
    startsAt: cause.openedAt.toISOString(),
    ...(cause.response && { response: cause.response }),
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
