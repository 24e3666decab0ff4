import type { PortSpec } from './spec.js';
import { STARTTLS_DIALOGUES } from './starttls.js';

/** One write the probe makes, in order. */
export interface PlannedWrite {
  /** A command of the STARTTLS negotiation, a send step, or the quit text. */
  purpose: 'starttls' | 'send' | 'quit';
  /** For `send`: the index of the step in `spec.steps`; otherwise -1. */
  step: number;
  /** Whether the bytes travel inside TLS (implicit TLS, or after STARTTLS). */
  encrypted: boolean;
  bytes: Buffer;
}

const CRLF = Buffer.from('\r\n');

/**
 * The exact bytes of each send step, in order: the decoded text, then CR/LF if `crlf`, then for
 * the last send step one more CR/LF if `extraCrlf` (just one in all when `crlf` is off). Pure.
 */
export function wireBytes(spec: Pick<PortSpec, 'steps' | 'crlf' | 'extraCrlf'>): Buffer[] {
  const sends = spec.steps.filter((s) => s.kind === 'send');
  return sends.map((step, i) => {
    const parts = [Buffer.from(step.bytes)];
    if (spec.crlf) parts.push(CRLF);
    if (spec.extraCrlf && i === sends.length - 1) parts.push(CRLF);
    return Buffer.concat(parts);
  });
}

/**
 * Every write the probe would make if the server answers as hoped, in order: the STARTTLS
 * commands, the send steps, the quit text. `portwarden probe --dry-run` prints these. Pure.
 */
export function plannedWrites(spec: PortSpec): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  if (spec.starttls !== 'none') {
    for (const bytes of wireBytes(STARTTLS_DIALOGUES[spec.starttls].spec)) {
      writes.push({ purpose: 'starttls', step: -1, encrypted: false, bytes });
    }
  }
  const encrypted = spec.tls || spec.starttls !== 'none';
  const sends = wireBytes(spec);
  let next = 0;
  spec.steps.forEach((step, i) => {
    if (step.kind === 'send') writes.push({ purpose: 'send', step: i, encrypted, bytes: sends[next++]! });
  });
  if (spec.quit.length > 0) writes.push({ purpose: 'quit', step: -1, encrypted, bytes: quitBytes(spec) });
  return writes;
}

/** The quit text on the wire: CR/LF appended when `crlf`, never the extra one. */
export function quitBytes(spec: Pick<PortSpec, 'quit' | 'crlf'>): Buffer {
  return spec.crlf ? Buffer.concat([spec.quit, CRLF]) : Buffer.from(spec.quit);
}
