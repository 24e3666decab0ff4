/**
 * A probe's transcript: what it sent and received, escaped like a detail, with the time of each
 * entry. Bounded at both ends of the wire: the agent never produces more, the controller refuses
 * more.
 */
export interface TranscriptEntry {
  /** Milliseconds from the start of the probe. */
  atMs: number;
  direction: TranscriptDirection;
  /** Bytes escaped (`\r \n \t \\ \xHH`), or for a note, plain text. */
  text: string;
}

/** `note`: something that happened, such as "connected to 127.0.0.1:25" or "TLS established". */
export type TranscriptDirection = 'sent' | 'received' | 'note';

export interface Transcript {
  entries: TranscriptEntry[];
  /** Entries or text were left out to stay within TRANSCRIPT_LIMITS. */
  truncated: boolean;
}

export const TRANSCRIPT_LIMITS = {
  /** Entries in one transcript. */
  entries: 16,
  /** Characters of `text`, summed over the entries. */
  chars: 4096,
} as const;
