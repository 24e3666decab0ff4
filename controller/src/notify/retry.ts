import { PortwardenError } from '@portwarden/common/errors';

/**
 * Retry classification for every channel, in one place: which failures are worth another attempt
 * (5xx, 408, 429, timeouts, resets, refused connections) and which are final (other 4xx, broken
 * TLS, bad channel config). Channels throw these errors; the pipeline and the queues only ask
 * `retryable` and `retryDelay`.
 */

export interface RetryPolicy {
  /** Attempts per notification, the first one included. @default 8 */
  attempts: number;
  /** Delay before the first retry; each next one doubles. @default 1000 */
  baseDelayMs: number;
  /** No delay is longer than this, Retry-After included. @default 300000 (5 minutes) */
  maxDelayMs: number;
}

/** 1s, 2s, 4s, ... capped at 5m: eight attempts span about four minutes. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  attempts: 8,
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
};

export function resolveRetryPolicy(options: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry.attempts must be a positive integer, got ${policy.attempts}`);
  }
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw new RangeError('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  return policy;
}

/** How many bytes of a rejected response's body an error keeps. */
export const BODY_START_BYTES = 200;

/** A notification could not be delivered. `retryable` says whether another attempt may succeed. */
export abstract class DeliveryError extends PortwardenError {
  abstract readonly retryable: boolean;
  /** The receiver asked to wait this long (Retry-After), when it said so sanely. */
  readonly retryAfterMs: number | undefined = undefined;
}

/** The receiver answered 5xx, 408 or 429: it may well accept the same request later. */
export class RetryableStatusError extends DeliveryError {
  readonly retryable = true;
  override readonly retryAfterMs: number | undefined;
  constructor(
    readonly status: number,
    readonly bodyStart: string,
    where: string,
    retryAfterMs?: number,
  ) {
    super(
      'notify-status',
      `${where} answered ${status}${bodySuffix(bodyStart)}`,
      'the receiver failed; it is retried',
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/** The receiver answered another non-2xx status (400, 401, 404, ...): sending again will not help. */
export class RejectedStatusError extends DeliveryError {
  readonly retryable = false;
  constructor(
    readonly status: number,
    readonly bodyStart: string,
    where: string,
  ) {
    super(
      'notify-rejected',
      `${where} rejected the notification with ${status}${bodySuffix(bodyStart)}`,
      'check the channel URL and headers (credentials) in the policy',
    );
  }
}

/** No complete answer within the channel's timeout. */
export class DeliveryTimeoutError extends DeliveryError {
  readonly retryable = true;
  constructor(
    readonly timeoutMs: number,
    where: string,
    options?: ErrorOptions,
  ) {
    super(
      'notify-timeout',
      `${where} did not answer within ${timeoutMs}ms`,
      'raise the channel timeout',
      options,
    );
  }
}

/** The connection failed (refused, reset, DNS, ...): usually transient. */
export class ConnectionError extends DeliveryError {
  readonly retryable = true;
  constructor(
    readonly errorCode: string,
    where: string,
    options?: ErrorOptions,
  ) {
    super(
      'notify-connection',
      `${where}: connection failed (${errorCode})`,
      'check that the receiver is up',
      options,
    );
  }
}

/** The receiver's certificate was not accepted: retrying cannot fix it. */
export class TlsError extends DeliveryError {
  readonly retryable = false;
  constructor(
    readonly errorCode: string,
    where: string,
    options?: ErrorOptions,
  ) {
    super(
      'notify-tls',
      `${where}: TLS failed (${errorCode})`,
      "fix the receiver's certificate or the channel URL",
      options,
    );
  }
}

/** The channel's configuration cannot be used (unknown kind, invalid field). */
export class ChannelConfigError extends DeliveryError {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super('notify-config', message, 'fix the channel in the policy and apply it again', options);
  }
}

/** Anything else a channel threw. Retried: attempts are bounded and the notification log dedups. */
export class SendFailedError extends DeliveryError {
  readonly retryable = true;
  constructor(where: string, options?: ErrorOptions) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super('notify-failed', `${where}: ${reason}`, 'see the error; it is retried', options);
  }
}

/** The SMTP server answered 4xx: a temporary failure (greylisting, a full queue), worth another try. */
export class SmtpDeferredError extends DeliveryError {
  readonly retryable = true;
  constructor(
    readonly replyCode: number,
    readonly reply: string,
    where: string,
  ) {
    super(
      'notify-smtp-deferred',
      `${where} deferred the mail: ${reply}`,
      'the server asked to try later; it is retried',
    );
  }
}

/** The SMTP server answered 5xx: it will not take this mail (unknown recipient, policy, relaying). */
export class SmtpRejectedError extends DeliveryError {
  readonly retryable = false;
  constructor(
    readonly replyCode: number,
    readonly reply: string,
    where: string,
  ) {
    super(
      'notify-smtp-rejected',
      `${where} rejected the mail: ${reply}`,
      "check the channel's to and from addresses and whether the server relays for them",
    );
  }
}

/** The SMTP server refused the login (or offered none): the same credentials will not work later. */
export class SmtpAuthError extends DeliveryError {
  readonly retryable = false;
  constructor(detail: string, where: string) {
    super(
      'notify-smtp-auth',
      `${where}: authentication failed${detail ? `: ${detail}` : ''}`,
      'check smtp.username and the secret behind smtp.password (many providers want an app password, or SMTP AUTH enabled for the mailbox)',
    );
  }
}

/** The SMTP session failed at TLS: wrong `security` for the port, no STARTTLS, or a certificate not trusted. */
export class SmtpTlsError extends DeliveryError {
  readonly retryable = false;
  constructor(detail: string, where: string, hint: string, options?: ErrorOptions) {
    super('notify-tls', `${where}: TLS failed: ${detail}`, hint, options);
  }
}

/** Network error codes (Node and undici) after which the same request may succeed. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TLS_CODES =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

/**
 * The error for a response status, or undefined when it is a success. `where` names the receiver
 * without secrets (an origin, never a full URL or a header).
 */
export function classifyStatus(
  status: number,
  bodyStart: string,
  where: string,
  retryAfter?: string | null,
  now = Date.now(),
): DeliveryError | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 500 || status === 408 || status === 429) {
    return new RetryableStatusError(status, bodyStart, where, parseRetryAfter(retryAfter, now));
  }
  return new RejectedStatusError(status, bodyStart, where);
}

/** The error for anything thrown while sending (fetch's TypeError with a cause, an abort, ...). */
export function classifyError(error: unknown, where: string, timeoutMs = 0): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (isTimeout(error)) return new DeliveryTimeoutError(timeoutMs, where, { cause: error });
  const code = errorCode(error);
  if (code !== undefined && TLS_CODES.test(code)) return new TlsError(code, where, { cause: error });
  if (code !== undefined && TRANSIENT_CODES.has(code))
    return new ConnectionError(code, where, { cause: error });
  return new SendFailedError(where, { cause: error });
}

/**
 * Retry-After as milliseconds: delay-seconds or an HTTP date. Undefined when absent or not sane
 * (unparsable, negative); a long one is capped by `retryDelay`.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Milliseconds to wait before the attempt after `attemptsMade` failed ones: exponential from
 * `baseDelayMs`, at least the receiver's Retry-After, at most `maxDelayMs`.
 */
export function retryDelay(policy: RetryPolicy, attemptsMade: number, error?: unknown): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1);
  const asked = error instanceof DeliveryError ? (error.retryAfterMs ?? 0) : 0;
  return Math.min(policy.maxDelayMs, Math.max(exponential, asked));
}

/** Whether another attempt should follow a failed one: retryable and attempts left. */
export function shouldRetry(error: DeliveryError, attempt: number, maxAttempts: number): boolean {
  return error.retryable && attempt < maxAttempts;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** fetch wraps the socket error: `TypeError('fetch failed', { cause: { code } })`. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    const nested = current instanceof AggregateError ? current.errors[0] : undefined;
    current = current.cause ?? nested;
  }
  return undefined;
}

function bodySuffix(bodyStart: string): string {
  return bodyStart ? `: ${bodyStart}` : '';
}

/** Fields nodemailer puts on its errors. */
interface SmtpFailure extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * The error for anything an SMTP send threw (nodemailer's errors, an abort). Replies keep the
 * server's text (its first 200 characters), which never holds the password: nodemailer's own
 * messages are not used, and AUTH commands are never echoed.
 */
export function classifySmtpError(error: unknown, where: string, timeoutMs = 0): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (isTimeout(error) || (error as SmtpFailure | undefined)?.code === 'ETIMEDOUT')
    return new DeliveryTimeoutError(timeoutMs, where, { cause: error });
  if (!(error instanceof Error)) return new SendFailedError(where, { cause: error });
  const failure = error as SmtpFailure;
  const reply = failure.response ? smtpReply(failure.response) : '';
  const code = failure.responseCode;
  if (failure.code === 'EAUTH') {
    if (code !== undefined && code < 500) return new SmtpDeferredError(code, reply, where);
    return new SmtpAuthError(reply || (failure.command === 'API' ? 'no usable AUTH method' : ''), where);
  }
  if (failure.code === 'ETLS' || TLS_CODES.test(failure.originalCode ?? '') || isTlsMessage(failure)) {
    if (code !== undefined && code < 500) return new SmtpDeferredError(code, reply, where);
    return smtpTlsError(failure, reply, where);
  }
  if (code !== undefined && code >= 400 && code < 500) return new SmtpDeferredError(code, reply, where);
  if (code !== undefined && code >= 500) return new SmtpRejectedError(code, reply, where);
  // Refused before a word to the server: an invalid address, a message over the announced size.
  if (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE')
    return new SmtpRejectedError(0, failure.message.slice(0, BODY_START_BYTES), where);
  const network = failure.originalCode ?? failure.code;
  if (network !== undefined && (TRANSIENT_CODES.has(network) || SMTP_CONNECTION_CODES.has(network)))
    return new ConnectionError(network, where, { cause: error });
  return new SendFailedError(where, { cause: error });
}

/** nodemailer's codes for a connection that failed or closed before the mail was taken. */
const SMTP_CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS']);

function smtpTlsError(failure: SmtpFailure, reply: string, where: string): SmtpTlsError {
  const options = { cause: failure };
  if (failure.command === 'STARTTLS' && reply)
    return new SmtpTlsError(
      `the server refused STARTTLS: ${reply}`,
      where,
      'the server does not offer STARTTLS here: use security: tls (port 465) or, for a trusted local relay, none',
      options,
    );
  const message = failure.message.replace(/^Error initiating TLS - /, '');
  const detail = NOT_TLS.test(message)
    ? 'the server did not answer in TLS (a plain-text or STARTTLS port?)'
    : message.slice(0, BODY_START_BYTES);
  if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_/i.test(`${detail} ${failure.originalCode ?? ''}`))
    return new SmtpTlsError(
      detail,
      where,
      "the server's certificate is not trusted (or not for this host name): fix it, or name its CA in smtp.ca",
      options,
    );
  return new SmtpTlsError(
    detail,
    where,
    'is the port right for the security mode? security: tls speaks TLS from the first byte (465), starttls upgrades a plain session (587, 25)',
    options,
  );
}

/** OpenSSL's words for bytes that are not TLS records: a plain server's greeting. */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i;

function isTlsMessage(failure: SmtpFailure): boolean {
  return NOT_TLS.test(failure.message) || /SSL routines|before secure TLS connection/i.test(failure.message);
}

/** One line, at most 200 characters: a reply can span lines (`250-`). */
function smtpReply(response: string): string {
  return response.replace(/\s+/g, ' ').trim().slice(0, BODY_START_BYTES);
}
