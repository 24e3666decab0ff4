import { describe, expect, it } from 'vitest';
import {
  ChannelConfigError,
  classifyError,
  classifySmtpError,
  classifyStatus,
  ConnectionError,
  DEFAULT_RETRY_POLICY,
  DeliveryTimeoutError,
  parseRetryAfter,
  RejectedStatusError,
  resolveRetryPolicy,
  RetryableStatusError,
  retryDelay,
  SendFailedError,
  shouldRetry,
  SmtpAuthError,
  SmtpDeferredError,
  SmtpRejectedError,
  SmtpTlsError,
  TlsError,
} from './retry.js';

const where = 'POST http://receiver.example';
const now = Date.parse('2026-11-21T10:00:00Z');

function socketError(code: string): TypeError {
  const cause = Object.assign(new Error(`connect ${code}`), { code });
  return new TypeError('fetch failed', { cause });
}

describe('classifyStatus', () => {
  it.each([
    // why: any 2xx is a delivery; nothing to retry.
    [200, undefined, undefined],
    [204, undefined, undefined],
    // why: a 5xx is the receiver's own trouble and usually passes.
    [500, RetryableStatusError, undefined],
    [503, RetryableStatusError, undefined],
    // why: 408 says the receiver timed out waiting for us: sending again is the remedy.
    [408, RetryableStatusError, undefined],
    // why: 429 asks us to slow down, not to stop; its Retry-After is kept for the backoff.
    [429, RetryableStatusError, 30_000],
    // why: other 4xx reject the request itself (payload, auth, URL); the same request fails again.
    [400, RejectedStatusError, undefined],
    [401, RejectedStatusError, undefined],
    [404, RejectedStatusError, undefined],
    // why: a redirect left unfollowed is not a delivery and will not become one.
    [302, RejectedStatusError, undefined],
  ])('%i -> %o', (status, kind, retryAfterMs) => {
    const error = classifyStatus(status, 'body', where, status === 429 ? '30' : null, now);
    if (kind === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(kind);
    expect(error!.retryable).toBe(kind === RetryableStatusError);
    expect(error!.retryAfterMs).toBe(retryAfterMs);
  });

  it('keeps the status and the start of the body in a final error', () => {
    const error = classifyStatus(400, '{"error":"bad payload"}', where) as RejectedStatusError;
    expect(error.status).toBe(400);
    expect(error.bodyStart).toBe('{"error":"bad payload"}');
    expect(error.message).toBe(
      'POST http://receiver.example rejected the notification with 400: {"error":"bad payload"}',
    );
  });
});

describe('classifyError', () => {
  it.each([
    // why: AbortSignal.timeout fires TimeoutError; the receiver may just be slow right now.
    [new DOMException('timed out', 'TimeoutError'), DeliveryTimeoutError, true],
    // why: the peer dropped the connection mid-request; a new connection may work.
    [socketError('ECONNRESET'), ConnectionError, true],
    // why: nothing listens (receiver restarting); it usually comes back.
    [socketError('ECONNREFUSED'), ConnectionError, true],
    // why: the socket broke while we wrote the body.
    [socketError('EPIPE'), ConnectionError, true],
    // why: undici's own "other side closed" is a reset in another name.
    [socketError('UND_ERR_SOCKET'), ConnectionError, true],
    // why: DNS failures are often transient (EAI_AGAIN) and the attempt budget bounds the rest.
    [socketError('ENOTFOUND'), ConnectionError, true],
    // why: a bad certificate does not fix itself between attempts.
    [socketError('CERT_HAS_EXPIRED'), TlsError, false],
    [socketError('DEPTH_ZERO_SELF_SIGNED_CERT'), TlsError, false],
    // why: an error we cannot name is retried: attempts are bounded and the log dedups.
    [new Error('something odd'), SendFailedError, true],
    // why: an already classified error keeps its class and decision.
    [new ChannelConfigError('unknown channel kind'), ChannelConfigError, false],
  ])('%o -> %o', (thrown, kind, retryable) => {
    const error = classifyError(thrown, where, 10_000);
    expect(error).toBeInstanceOf(kind);
    expect(error.retryable).toBe(retryable);
  });

  it('finds the code inside an AggregateError (happy eyeballs)', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1'), { code: 'ECONNREFUSED' });
    const error = classifyError(new TypeError('fetch failed', { cause: new AggregateError([inner]) }), where);
    expect(error).toBeInstanceOf(ConnectionError);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    // why: delay-seconds, the common form.
    ['120', 120_000],
    // why: an HTTP date is a point in time, relative to now.
    ['Sat, 21 Nov 2026 10:00:30 GMT', 30_000],
    // why: a date in the past means "now", never a negative delay.
    ['Sat, 21 Nov 2026 09:00:00 GMT', 0],
    // why: garbage and negative numbers are not sane; the exponential backoff applies instead.
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retryDelay', () => {
  const policy = resolveRetryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000 });
  const asking = (ms: number) => new RetryableStatusError(429, '', where, ms);

  it.each([
    // why: exponential from the base: 1s after the first failure, then 2s, 4s.
    [1, undefined, 1000],
    [3, undefined, 4000],
    // why: the cap keeps a long outage from pushing retries out for hours.
    [10, undefined, 60_000],
    // why: Retry-After longer than our backoff is respected.
    [1, asking(30_000), 30_000],
    // why: Retry-After shorter than our backoff does not hurry us.
    [3, asking(500), 4000],
    // why: an absurd Retry-After (a day) is capped like any delay.
    [1, asking(86_400_000), 60_000],
  ])('after %i failed attempts with %o -> %i ms', (attemptsMade, error, expected) => {
    expect(retryDelay(policy, attemptsMade, error)).toBe(expected);
  });
});

describe('shouldRetry and the policy', () => {
  it('retries a retryable error while attempts remain, never a final one', () => {
    const transient = new ConnectionError('ECONNRESET', where);
    expect(shouldRetry(transient, 1, 3)).toBe(true);
    expect(shouldRetry(transient, 3, 3)).toBe(false);
    expect(shouldRetry(new RejectedStatusError(400, '', where), 1, 3)).toBe(false);
  });

  it('fills defaults and rejects nonsense', () => {
    expect(resolveRetryPolicy({ attempts: 3 })).toEqual({ ...DEFAULT_RETRY_POLICY, attempts: 3 });
    expect(() => resolveRetryPolicy({ attempts: 0 })).toThrow(/attempts/);
    expect(() => resolveRetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(/delays/);
  });
});

describe('classifySmtpError', () => {
  const smtp = 'SMTP mail.example:587';
  /** What nodemailer throws: an Error with its code, the reply and the command. */
  const nm = (code: string, fields: Record<string, unknown> = {}, message = 'x') =>
    Object.assign(new Error(message), { code, ...fields });
  const reply = (text: string) => ({ response: text, responseCode: Number(text.slice(0, 3)) });

  // Each: what nodemailer threw, the class, whether it is retried; the comment says why.
  it.each([
    // Greylisting, a full mailbox queue: the server says try later.
    [nm('EENVELOPE', { ...reply('451 4.7.1 Greylisted'), command: 'RCPT TO' }), SmtpDeferredError, true],
    // Unknown recipient, relaying denied: final, the reply kept.
    [nm('EENVELOPE', { ...reply('550 5.1.1 No such user'), command: 'RCPT TO' }), SmtpRejectedError, false],
    [nm('EMESSAGE', { ...reply('554 5.7.1 Spam'), command: 'DATA' }), SmtpRejectedError, false],
    // An address nodemailer refuses before sending: retrying will not change it.
    [nm('EENVELOPE', { command: 'API' }, 'Invalid recipient "x"'), SmtpRejectedError, false],
    // 421 at any point: the server is closing, try again later.
    [nm('ECONNECTION', { ...reply('421 4.3.2 Shutting down'), command: 'EHLO' }), SmtpDeferredError, true],
    [nm('EAUTH', { ...reply('535 5.7.8 Bad credentials'), command: 'AUTH PLAIN' }), SmtpAuthError, false],
    // 454: temporary authentication failure (the server's backend is down).
    [nm('EAUTH', { ...reply('454 4.7.0 Try later'), command: 'AUTH PLAIN' }), SmtpDeferredError, true],
    [nm('EAUTH', { command: 'API' }, 'Missing credentials for "PLAIN"'), SmtpAuthError, false],
    [nm('ETLS', { ...reply('454 4.7.0 TLS not available'), command: 'STARTTLS' }), SmtpDeferredError, true],
    [nm('ETLS', { ...reply('502 5.5.1 Unrecognized'), command: 'STARTTLS' }), SmtpTlsError, false],
    [
      nm('ETLS', { command: 'STARTTLS' }, 'Error initiating TLS - self-signed certificate'),
      SmtpTlsError,
      false,
    ],
    [nm('ESOCKET', { originalCode: 'CERT_HAS_EXPIRED', command: 'CONN' }), SmtpTlsError, false],
    [nm('ESOCKET', { originalCode: 'ECONNREFUSED', command: 'CONN' }), ConnectionError, true],
    [nm('ESOCKET', { originalCode: 'ECONNRESET', command: 'CONN' }), ConnectionError, true],
    [nm('ECONNECTION', { command: 'CONN' }, 'Connection closed unexpectedly'), ConnectionError, true],
    [nm('EDNS', { originalCode: 'ENOTFOUND', command: 'CONN' }), ConnectionError, true],
    [nm('ETIMEDOUT', { command: 'CONN' }), DeliveryTimeoutError, true],
    [Object.assign(new Error('aborted'), { name: 'AbortError', code: 'EABORT' }), DeliveryTimeoutError, true],
    // Anything else: retried, bounded by the attempts.
    [nm('EPROTOCOL', { command: 'CONN' }, 'Invalid greeting'), SendFailedError, true],
  ])('%s', (error, kind, retryable) => {
    const classified = classifySmtpError(error, smtp, 30_000);
    expect(classified).toBeInstanceOf(kind);
    expect(classified.retryable).toBe(retryable);
    expect(classified.message.startsWith(smtp)).toBe(true);
  });

  it('keeps one line of the reply, at most 200 characters', () => {
    const long = `550-5.7.1 first line\r\n550 5.7.1 ${'y'.repeat(300)}`;
    const error = classifySmtpError(nm('EMESSAGE', reply(long)), smtp) as SmtpRejectedError;
    expect(error.reply).toBe(`550-5.7.1 first line 550 5.7.1 ${'y'.repeat(169)}`);
    expect(error.replyCode).toBe(550);
  });
});
