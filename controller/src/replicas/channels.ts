import type { TestOutcome, TestProbeResult } from '../testnow/broker.js';

/**
 * The NOTIFY channels replicas share, and what their payloads say. Every replica LISTENs on all of
 * them; none knows how many others do. Payloads come from the database, so each is decoded
 * defensively: a payload that does not parse is ignored (undefined), never thrown.
 */
export const CHANNELS = {
  /** A new policy revision (a trigger, migration 0016): payload its number. */
  policy: 'portwarden_policy',
  /** The run-time overrides changed (a trigger): payload empty. */
  overrides: 'portwarden_overrides',
  /** An agent's certificates were revoked (a trigger): payload the agent's name. */
  revoked: 'portwarden_revoked',
  /** "Test now" for an agent the asking replica does not hold: a TestAsk as JSON. */
  testAsk: 'portwarden_test_ask',
  /** The answer, from the replica that holds the agent: a TestAnswer as JSON. */
  testAnswer: 'portwarden_test_answer',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; leave room for the JSON around. */
export const MAX_PAYLOAD_BYTES = 7_900;

/** A revision number, or undefined. */
export function decodeRevision(payload: string): number | undefined {
  const revision = Number(payload);
  return Number.isSafeInteger(revision) && revision > 0 ? revision : undefined;
}

/** A forwarded "test now": which request, which agent, which check, how long the asker waits. */
export interface TestAsk {
  id: string;
  agent: string;
  check: string;
  timeoutMs: number;
}

/** The answer: the outcome itself, or `stored` when it was too large and sits in test_answers. */
export type TestAnswer = { id: string; outcome: TestOutcome } | { id: string; stored: true };

export function encodeTestAsk(ask: TestAsk): string {
  return JSON.stringify(ask);
}

export function decodeTestAsk(payload: string): TestAsk | undefined {
  const value = parse(payload);
  if (
    typeof value?.id !== 'string' ||
    typeof value.agent !== 'string' ||
    typeof value.check !== 'string' ||
    typeof value.timeoutMs !== 'number' ||
    !(value.timeoutMs > 0)
  )
    return undefined;
  return { id: value.id, agent: value.agent, check: value.check, timeoutMs: value.timeoutMs };
}

/** The answer's NOTIFY payload, or undefined when it would not fit one (store it instead). */
export function encodeTestAnswer(id: string, outcome: TestOutcome): string | undefined {
  const payload = JSON.stringify({ id, outcome });
  return Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES ? payload : undefined;
}

export function decodeTestAnswer(payload: string): TestAnswer | undefined {
  const value = parse(payload);
  if (typeof value?.id !== 'string') return undefined;
  if (value.stored === true) return { id: value.id, stored: true };
  const outcome = decodeTestOutcome(value.outcome);
  return outcome && { id: value.id, outcome };
}

/** A TestOutcome that went through JSON (a NOTIFY payload or a jsonb column): dates revived. */
export function decodeTestOutcome(value: unknown): TestOutcome | undefined {
  const outcome = value as { status?: unknown; error?: unknown; result?: Record<string, unknown> } | null;
  switch (outcome?.status) {
    case 'not-connected':
    case 'timeout':
      return { status: outcome.status };
    case 'refused':
      return typeof outcome.error === 'string' ? { status: 'refused', error: outcome.error } : undefined;
    case 'done': {
      const result = outcome.result;
      const startedAt = new Date(typeof result?.startedAt === 'string' ? result.startedAt : NaN);
      if (!result || Number.isNaN(startedAt.getTime()) || typeof result.checkId !== 'string')
        return undefined;
      return { status: 'done', result: { ...(result as unknown as TestProbeResult), startedAt } };
    }
    default:
      return undefined;
  }
}

function parse(payload: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
