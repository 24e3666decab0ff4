import type { Expectation, StartTlsProtocol, Step } from './spec.js';

/**
 * The STARTTLS negotiations, as dialogues for the conversation module: the greeting, the
 * protocol's commands (CR/LF-terminated) and the reply that means "start the handshake now".
 * Every expectation matches a whole final line, so that no byte of the server's reply is left for
 * the TLS layer to misread.
 */
export interface StartTlsDialogue {
  spec: { steps: Step[]; crlf: true; extraCrlf: false };
  /**
   * Per step, a regex for a complete reply that is not the one expected: the negotiation fails at
   * once instead of waiting for the timeout, since the server has said all it will say.
   */
  rejects: (string | undefined)[];
  /** What the negotiation is called in a failure's detail. */
  name: string;
}

interface Line {
  expect: string;
  reject: string;
}

/** Expect a final reply line starting with `pattern`; any other final line (`done`) is a refusal. */
const line = (pattern: string, done: string): Line => ({ expect: pattern, reject: `^${done}[^\\n]*\\n` });
const send = (text: string): Step => ({ kind: 'send', bytes: Buffer.from(text, 'latin1') });

/** A reply line starting with this pattern, matched through its line feed. */
function finalLine(pattern: string): Expectation {
  return { texts: [], regexes: [`^${pattern}[^\\n]*\\n`], mode: 'all', ignoreCase: false };
}

function dialogue(name: string, items: (Line | Step)[]): StartTlsDialogue {
  const steps = items.map((item): Step =>
    'kind' in item ? item : { kind: 'expect', expect: finalLine(item.expect) },
  );
  const rejects = items.map((item) => ('kind' in item ? undefined : item.reject));
  return { name, rejects, spec: { steps, crlf: true, extraCrlf: false } };
}

/** The EHLO name the agent announces. */
export const EHLO_NAME = 'portwarden';

export const STARTTLS_DIALOGUES: Record<StartTlsProtocol, StartTlsDialogue> = {
  // RFC 3207: multi-line replies are `250-...` lines and one final `250 ...` line.
  smtp: dialogue('SMTP STARTTLS', [
    line('220 ', '\\d{3} '),
    send(`EHLO ${EHLO_NAME}`),
    line('250 ', '\\d{3} '),
    send('STARTTLS'),
    line('220 ', '\\d{3} '),
  ]),
  // RFC 3501 section 6.2.1; the greeting may also be a PREAUTH.
  imap: dialogue('IMAP STARTTLS', [
    line('\\* (OK|PREAUTH)', '\\* '),
    send('pw1 STARTTLS'),
    line('pw1 OK', 'pw1 '),
  ]),
  // RFC 2595 section 4.
  pop3: dialogue('POP3 STLS', [line('\\+OK', '-ERR'), send('STLS'), line('\\+OK', '-ERR')]),
  // RFC 4217: the greeting may be multi-line (`220-`), AUTH TLS answers 234.
  ftp: dialogue('FTP AUTH TLS', [line('220 ', '\\d{3} '), send('AUTH TLS'), line('234 ', '\\d{3} ')]),
};
