import { TRANSCRIPT_LIMITS } from '@portwarden/common/transcript';
import { Outcome, Result, TranscriptDirection } from '@portwarden/proto/agent/v1';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError, validateResults } from './validate.js';

const entry = (text: string, direction = TranscriptDirection.TRANSCRIPT_DIRECTION_RECEIVED) => ({
  atMs: 3,
  direction,
  text,
});

const down = (transcript?: Result['transcript']) =>
  Result.fromPartial({
    seq: 1,
    checkId: 'smtp',
    startedAtUnixMs: 1_700_000_000_000,
    outcome: Outcome.OUTCOME_DOWN,
    reason: 'expect-mismatch',
    detail: 'expected "250" but received "220 x"',
    ...(transcript && { transcript }),
  });

function refusal(result: Result): string {
  try {
    validateResults([result]);
  } catch (err) {
    if (err instanceof InvalidMessageError) return err.message;
    throw err;
  }
  throw new Error('result was accepted');
}

describe('validateResults: transcripts', () => {
  it('keeps a transcript within bounds, directions as words', () => {
    const [valid] = validateResults([
      down({
        entries: [
          entry('connected to 127.0.0.1:25', TranscriptDirection.TRANSCRIPT_DIRECTION_NOTE),
          entry('HELO x\\r\\n', TranscriptDirection.TRANSCRIPT_DIRECTION_SENT),
          entry('220 x'),
        ],
        truncated: true,
      }),
    ]);
    expect(valid!.transcript).toEqual({
      entries: [
        { atMs: 3, direction: 'note', text: 'connected to 127.0.0.1:25' },
        { atMs: 3, direction: 'sent', text: 'HELO x\\r\\n' },
        { atMs: 3, direction: 'received', text: '220 x' },
      ],
      truncated: true,
    });
  });

  it('is null without a transcript', () => {
    expect(validateResults([down()])[0]!.transcript).toBeNull();
  });

  // Each case: a transcript that breaks the contract, and the error the agent gets.
  const invalid: [string, Result['transcript'], string][] = [
    [
      'too many entries',
      { entries: Array.from({ length: TRANSCRIPT_LIMITS.entries + 1 }, () => entry('x')), truncated: false },
      'results[0].transcript has 17 entries; at most 16',
    ],
    [
      'too much text',
      { entries: [entry('a'.repeat(4000)), entry('b'.repeat(97))], truncated: false },
      'results[0].transcript has 4097 characters of text; at most 4096',
    ],
    [
      'an unknown direction',
      { entries: [entry('x', TranscriptDirection.TRANSCRIPT_DIRECTION_UNSPECIFIED)], truncated: false },
      'results[0].transcript.entries[0].direction is not SENT, RECEIVED or NOTE',
    ],
  ];
  it.each(invalid)('refuses %s', (_why, transcript, message) => {
    expect(refusal(down(transcript))).toBe(message);
  });
});
