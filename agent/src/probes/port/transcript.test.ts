import { TRANSCRIPT_LIMITS } from '@portwarden/common/transcript';
import { describe, expect, it } from 'vitest';
import { TranscriptDirection } from '@portwarden/proto/agent/v1';
import { Recorder, toProtoTranscript } from './transcript.js';

describe('Recorder', () => {
  it('keeps sent, received and notes in order, escaped, merging consecutive chunks', () => {
    const recorder = new Recorder(performance.now());
    recorder.note('connected to 127.0.0.1:25');
    recorder.received(Buffer.from('220 re'));
    recorder.received(Buffer.from('ady\r\n'));
    recorder.sent(Buffer.from('HELO x\r\n'));
    recorder.received(Buffer.from([0x35, 0x00, 0xff]));
    const { entries, truncated } = recorder.build();
    expect(entries.map((e) => [e.direction, e.text])).toEqual([
      ['note', 'connected to 127.0.0.1:25'],
      ['received', '220 ready\\r\\n'],
      ['sent', 'HELO x\\r\\n'],
      ['received', '5\\x00\\xff'],
    ]);
    expect(truncated).toBe(false);
    expect(entries.every((e) => Number.isInteger(e.atMs) && e.atMs >= 0)).toBe(true);
  });

  it(`stays within ${TRANSCRIPT_LIMITS.entries} entries and ${TRANSCRIPT_LIMITS.chars} characters, and says so`, () => {
    const recorder = new Recorder(performance.now());
    for (let i = 0; i < 40; i++) {
      recorder.sent(Buffer.alloc(100, 'a'));
      recorder.received(Buffer.alloc(1000, 0));
    }
    const { entries, truncated } = recorder.build();
    expect(entries.length).toBeLessThanOrEqual(TRANSCRIPT_LIMITS.entries);
    expect(entries.reduce((n, e) => n + e.text.length, 0)).toBeLessThanOrEqual(TRANSCRIPT_LIMITS.chars);
    expect(truncated).toBe(true);
  });
});

describe('toProtoTranscript', () => {
  it('maps directions to the contract enum and keeps the rest', () => {
    expect(
      toProtoTranscript({
        entries: [
          { atMs: 0, direction: 'note', text: 'connected to [::1]:25' },
          { atMs: 1, direction: 'sent', text: 'QUIT\\r\\n' },
          { atMs: 2, direction: 'received', text: '221 bye' },
        ],
        truncated: true,
      }),
    ).toEqual({
      entries: [
        { atMs: 0, direction: TranscriptDirection.TRANSCRIPT_DIRECTION_NOTE, text: 'connected to [::1]:25' },
        { atMs: 1, direction: TranscriptDirection.TRANSCRIPT_DIRECTION_SENT, text: 'QUIT\\r\\n' },
        { atMs: 2, direction: TranscriptDirection.TRANSCRIPT_DIRECTION_RECEIVED, text: '221 bye' },
      ],
      truncated: true,
    });
  });
});
