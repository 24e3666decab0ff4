import { escapeBytes } from '@portwarden/common/text';
import type { Expectation } from './spec.js';

/**
 * An expectation compiled once per spec: needles as bytes, regexes as RegExp objects. `match` is
 * called with everything an expect step has seen so far and says where the match ends.
 */
export class Matcher {
  /** For details: `"250"`, `/^250 /`, `all of "220", "ESMTP"`, `any of ...`. */
  readonly description: string;
  private readonly needles: Buffer[];
  private readonly regexes: RegExp[];
  private readonly all: boolean;
  private readonly ignoreCase: boolean;

  constructor(expect: Expectation) {
    this.ignoreCase = expect.ignoreCase;
    this.needles = expect.texts.map((t) => {
      const bytes = Buffer.from(t, 'utf8');
      return expect.ignoreCase ? lowerAscii(bytes) : bytes;
    });
    this.regexes = expect.regexes.map((source) => new RegExp(source, expect.ignoreCase ? 'im' : 'm'));
    this.all = expect.mode === 'all';
    this.description = describe(expect);
  }

  /**
   * The offset just past the match in `window` (for `all`, past the last of the matches), or -1.
   * `fresh` bytes at the end of the window are new since the previous call: a single text is
   * only searched where a match could newly end, so a trickle of bytes costs no rescans.
   */
  match(window: Buffer, fresh: number): number {
    const haystack = this.ignoreCase && this.needles.length > 0 ? lowerAscii(window) : window;
    const incremental = this.needles.length + this.regexes.length === 1;
    let end = -1;
    for (const needle of this.needles) {
      const from = incremental ? Math.max(0, window.length - fresh - needle.length + 1) : 0;
      const at = haystack.indexOf(needle, from);
      const found = at === -1 ? -1 : at + needle.length;
      if ((end = this.combine(end, found)) === STOP) return -1;
      if (!this.all && found !== -1) return found;
    }
    if (this.regexes.length > 0) {
      const text = window.toString('latin1');
      for (const regex of this.regexes) {
        const m = regex.exec(text);
        const found = m ? m.index + m[0].length : -1;
        if ((end = this.combine(end, found)) === STOP) return -1;
        if (!this.all && found !== -1) return found;
      }
    }
    return end;
  }

  /** `all`: the furthest end so far, or STOP at the first pattern not found. */
  private combine(end: number, found: number): number {
    if (!this.all) return end;
    return found === -1 ? STOP : Math.max(end, found);
  }
}

const STOP = -2;

/** A copy with A-Z folded to a-z; other bytes unchanged. */
function lowerAscii(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[i] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  }
  return out;
}

function describe(expect: Expectation): string {
  const parts = [
    ...expect.texts.map((t) => `"${escapeBytes(Buffer.from(t, 'utf8'), 100)}"`),
    // A regex keeps its own backslashes: /^250 \d/, not /^250 \\d/.
    ...expect.regexes.map((r) => `/${escapeBytes(Buffer.from(r, 'utf8'), 100).replaceAll('\\\\', '\\')}/`),
  ];
  const text = parts.length === 1 ? parts[0]! : `${expect.mode} of ${parts.join(', ')}`;
  return expect.ignoreCase ? `${text} (ignoring case)` : text;
}
