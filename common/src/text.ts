/**
 * Escapes in `send:` text, the way the classic monitors write them: `\r \n \t \\ \xHH`.
 * Any other backslash sequence is an error, so a typo never reaches the wire silently.
 */
export function decodeEscapes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[i + 1];
    const simple = next === undefined ? undefined : SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 1;
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      throw new EscapeError(text, i);
    }
  }
  return Buffer.from(bytes);
}

const SIMPLE_ESCAPES: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '\\': 0x5c };

export class EscapeError extends Error {
  readonly index: number;
  constructor(text: string, index: number) {
    super(
      `unknown escape "${text.slice(index, index + 2)}" at character ${index + 1}; use \\r \\n \\t \\\\ or \\xHH`,
    );
    this.index = index;
  }
}

/**
 * Bytes received from a server, made safe to show in an alert: printable ASCII as is, the usual
 * controls as escapes, everything else as \xHH; cut at `limit` characters of output.
 */
export function escapeBytes(bytes: Uint8Array, limit = 200): string {
  let out = '';
  for (const byte of bytes) {
    const piece = escapeByte(byte);
    if (out.length + piece.length > limit) return `${out}…`;
    out += piece;
  }
  return out;
}

function escapeByte(byte: number): string {
  if (byte === 0x0d) return '\\r';
  if (byte === 0x0a) return '\\n';
  if (byte === 0x09) return '\\t';
  if (byte === 0x5c) return '\\\\';
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}
