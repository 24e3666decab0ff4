import { describe, expect, it } from 'vitest';
import { defaultPortSpec } from './spec.js';
import { plannedWrites, wireBytes } from './writes.js';

describe('wireBytes', () => {
  const ESCAPES: [string, string][] = [
    ['HELO x', 'HELO x'],
    // CR/LF written inside the text is sent as written
    ['USER a\\r\\nPASS b', 'USER a\r\nPASS b'],
    ['a\\tb\\\\c\\x00\\xff', 'a\tb\\c\x00\xff'],
    ['', ''],
  ];
  // Every combination of crlf, extraCrlf and escapes, for one send step and for the last of two.
  const cases = ESCAPES.flatMap(([text, decoded]) =>
    [false, true].flatMap((crlf) =>
      [false, true].map((extraCrlf): [string, boolean, boolean, string] => {
        // extraCrlf alone still ends the text with exactly one CR/LF
        const end = (crlf ? '\r\n' : '') + (extraCrlf ? '\r\n' : '');
        return [text, crlf, extraCrlf, decoded + end];
      }),
    ),
  );

  it.each(cases)('send %j crlf=%s extraCrlf=%s', (text, crlf, extraCrlf, wire) => {
    const { steps } = defaultPortSpec({ port: 1, send: text });
    const bytes = wireBytes({ steps, crlf, extraCrlf });
    expect(bytes.map((b) => b.toString('latin1'))).toEqual([wire]);
  });

  it.each(cases)(
    'two steps, the second %j crlf=%s extraCrlf=%s: the extra CR/LF goes last only',
    (text, crlf, extraCrlf, wire) => {
      const { steps } = defaultPortSpec({ port: 1, send: text });
      const first = { kind: 'send' as const, bytes: Buffer.from('EHLO a') };
      const bytes = wireBytes({ steps: [first, ...steps], crlf, extraCrlf });
      expect(bytes.map((b) => b.toString('latin1'))).toEqual([`EHLO a${crlf ? '\r\n' : ''}`, wire]);
    },
  );
});

describe('plannedWrites', () => {
  it('lists the STARTTLS commands, the send steps inside TLS, and the quit text with its CR/LF', () => {
    const spec = defaultPortSpec({
      port: 25,
      starttls: 'smtp',
      crlf: true,
      extraCrlf: true,
      steps: [
        { kind: 'send', bytes: Buffer.from('EHLO x') },
        { kind: 'expect', expect: { texts: ['250'], regexes: [], mode: 'all', ignoreCase: false } },
        { kind: 'send', bytes: Buffer.from('NOOP') },
      ],
      quit: 'QUIT',
    });
    expect(
      plannedWrites(spec).map((w) => [w.purpose, w.step, w.encrypted, w.bytes.toString('latin1')]),
    ).toEqual([
      ['starttls', -1, false, 'EHLO portwarden\r\n'],
      ['starttls', -1, false, 'STARTTLS\r\n'],
      ['send', 0, true, 'EHLO x\r\n'],
      ['send', 2, true, 'NOOP\r\n\r\n'],
      ['quit', -1, true, 'QUIT\r\n'],
    ]);
  });
});
