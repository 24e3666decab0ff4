import { AGENT_NAME_MAX_LENGTH, AGENT_NAME_RULE, isAgentName } from '@portwarden/common/agent-name';
import { LABEL_KEY_PATTERN, type Labels } from '@portwarden/common/labels';
import { TRANSCRIPT_LIMITS, type Transcript } from '@portwarden/common/transcript';
import type { Hello, Result, Transcript as WireTranscript } from '@portwarden/proto/agent/v1';
import { TRANSCRIPT_DIRECTION_WORDS } from '@portwarden/proto/agent/v1/words';
import type { IncomingResult } from '../ingest/types.js';
import type { AgentHello } from '../store/agents.js';
import { InvalidMessageError } from './invalid-message.js';
import { validOutcome } from './outcome.js';
import { validateResultParts } from './validate-reports.js';

export { InvalidMessageError } from './invalid-message.js';

/** Bounds on what an agent may send; anything outside them is refused with INVALID_ARGUMENT. */
export const LIMITS = {
  nameLength: AGENT_NAME_MAX_LENGTH,
  labels: 32,
  labelValueLength: 200,
  batchSize: 1000,
  detailLength: 4096,
  checkIdLength: 63,
} as const;

export function validateHello(hello: Hello): AgentHello {
  if (!isAgentName(hello.name)) {
    throw new InvalidMessageError(
      `hello.name "${hello.name.slice(0, 64)}" is not a valid agent name (${AGENT_NAME_RULE})`,
    );
  }
  return {
    name: hello.name,
    labels: validateLabels(hello.labels),
    os: hello.os.slice(0, 32),
    hostname: hello.hostname.slice(0, 253),
    agentVersion: hello.agentVersion.slice(0, 64),
    configRevision: hello.configRevision,
  };
}

function validateLabels(labels: Labels): Labels {
  const entries = Object.entries(labels);
  if (entries.length > LIMITS.labels)
    throw new InvalidMessageError(`hello.labels has ${entries.length} labels; at most ${LIMITS.labels}`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY_PATTERN.test(key))
      throw new InvalidMessageError(`hello.labels key "${key.slice(0, 64)}" is invalid`);
    if (value.length > LIMITS.labelValueLength)
      throw new InvalidMessageError(`hello.labels.${key} is too long`);
  }
  return labels;
}

export function validateResults(results: Result[]): IncomingResult[] {
  if (results.length > LIMITS.batchSize) {
    throw new InvalidMessageError(`result batch of ${results.length}; at most ${LIMITS.batchSize}`);
  }
  return results.map((r, i) => validateResult(r, `results[${i}]`));
}

/** A TestResult's result: a result in every way except that it is not sequenced (seq 0). */
export function validateTestResult(r: Result): Omit<IncomingResult, 'seq'> {
  const { seq: _seq, ...rest } = validateResult({ ...r, seq: 1 }, 'results[0]');
  return rest;
}

function validateResult(r: Result, path: string): IncomingResult {
  if (!Number.isSafeInteger(r.seq) || r.seq < 1)
    throw new InvalidMessageError(`${path}.seq must be a positive integer`);
  if (r.checkId === '' || r.checkId.length > LIMITS.checkIdLength)
    throw new InvalidMessageError(`${path}.check_id is empty or too long`);
  const { outcome, reason } = validOutcome(r, path);
  if (outcome === 'up' && r.reason !== '')
    throw new InvalidMessageError(`${path}.reason must be empty when up`);
  if (!Number.isFinite(r.startedAtUnixMs) || r.startedAtUnixMs <= 0)
    throw new InvalidMessageError(`${path}.started_at_unix_ms is missing`);
  return {
    seq: r.seq,
    checkId: r.checkId,
    startedAt: new Date(r.startedAtUnixMs),
    durationMs: r.durationMs,
    outcome,
    reason,
    detail: r.detail.slice(0, LIMITS.detailLength),
    timings: r.timings ? { ...r.timings } : null,
    transcript: r.transcript ? validateTranscript(r.transcript, `${path}.transcript`) : null,
    ...validateResultParts(r, path),
  };
}

/** The agent keeps within TRANSCRIPT_LIMITS; a transcript beyond them breaks the contract. */
function validateTranscript(transcript: WireTranscript, path: string): Transcript {
  const { entries } = transcript;
  if (entries.length > TRANSCRIPT_LIMITS.entries)
    throw new InvalidMessageError(
      `${path} has ${entries.length} entries; at most ${TRANSCRIPT_LIMITS.entries}`,
    );
  let chars = 0;
  const valid = entries.map((entry, i) => {
    const direction = TRANSCRIPT_DIRECTION_WORDS.decode(entry.direction);
    if (!direction)
      throw new InvalidMessageError(`${path}.entries[${i}].direction is not SENT, RECEIVED or NOTE`);
    chars += entry.text.length;
    return { atMs: entry.atMs, direction, text: entry.text };
  });
  if (chars > TRANSCRIPT_LIMITS.chars)
    throw new InvalidMessageError(
      `${path} has ${chars} characters of text; at most ${TRANSCRIPT_LIMITS.chars}`,
    );
  return { entries: valid, truncated: transcript.truncated };
}
