import { escapeBytes } from '@portwarden/common/text';
import type { Transcript as WireTranscript } from '@portwarden/proto/agent/v1';
import { TRANSCRIPT_DIRECTION_WORDS } from '@portwarden/proto/agent/v1/words';
import {
  TRANSCRIPT_LIMITS,
  type Transcript,
  type TranscriptDirection,
  type TranscriptEntry,
} from '@portwarden/common/transcript';

/**
 * Records what one connection sent and received, cheaply: raw references and times while the
 * probe runs, escaped and bounded text only when a result needs the transcript (a failure, or a
 * check that asks for it). Consecutive received chunks are one entry.
 */
export class Recorder {
  private readonly at: number[] = [];
  private readonly directions: TranscriptDirection[] = [];
  private readonly data: (Buffer | string)[] = [];
  private dropped = false;

  /** `origin`: performance.now() at the start of the probe. */
  constructor(private readonly origin: number) {}

  sent(bytes: Buffer): void {
    this.add('sent', bytes);
  }

  received(bytes: Buffer): void {
    const last = this.data.length - 1;
    if (last >= 0 && this.directions[last] === 'received') {
      const before = this.data[last] as Buffer;
      // Only what the text budget can show is worth keeping.
      if (before.length < TRANSCRIPT_LIMITS.chars) this.data[last] = Buffer.concat([before, bytes]);
      return;
    }
    this.add('received', bytes);
  }

  note(text: string): void {
    this.add('note', text);
  }

  private add(direction: TranscriptDirection, data: Buffer | string): void {
    if (this.data.length >= TRANSCRIPT_LIMITS.entries) {
      this.dropped = true;
      return;
    }
    this.at.push(performance.now() - this.origin);
    this.directions.push(direction);
    this.data.push(data);
  }

  /** The transcript within TRANSCRIPT_LIMITS: at most 16 entries, 4096 characters of text in all. */
  build(): Transcript {
    const entries: TranscriptEntry[] = [];
    let budget: number = TRANSCRIPT_LIMITS.chars;
    let truncated = this.dropped;
    for (let i = 0; i < this.data.length && budget > 0; i++) {
      const data = this.data[i]!;
      // escapeBytes may add one character ("…") past its limit.
      let text = typeof data === 'string' ? data.slice(0, budget) : escapeBytes(data, budget - 1);
      if (text.length > budget) text = text.slice(0, budget);
      if (text.length < (typeof data === 'string' ? data.length : 0) || text.endsWith('…')) truncated = true;
      budget -= text.length;
      entries.push({ atMs: Math.round(this.at[i]!), direction: this.directions[i]!, text });
    }
    if (entries.length < this.data.length) truncated = true;
    return { entries, truncated };
  }
}

/** A result's transcript as the `Result.transcript` field of the agent-controller contract. */
export function toProtoTranscript(transcript: Transcript): WireTranscript {
  return {
    entries: transcript.entries.map((e) => ({
      atMs: e.atMs,
      direction: TRANSCRIPT_DIRECTION_WORDS.encode(e.direction),
      text: e.text,
    })),
    truncated: transcript.truncated,
  };
}
