import { PortwardenError } from '@portwarden/common/errors';
import type { PolicyIssue } from '@portwarden/common/errors';
import { sendPinned, type Sent } from './pinned.js';

/** Where the CLI finds the controller when neither --url nor PORTWARDEN_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:7480';

/** The controller answered with an error body. */
export class ApiError extends PortwardenError {
  readonly status: number;
  readonly issues: PolicyIssue[];
  constructor(status: number, code: string, message: string, hint?: string, issues: PolicyIssue[] = []) {
    super(code, message, hint);
    this.status = status;
    this.issues = issues;
  }
}

/** The controller could not be reached at all. */
export class UnreachableError extends PortwardenError {
  constructor(url: string, cause: unknown) {
    super(
      'unreachable',
      `cannot reach the controller at ${url}`,
      'start it (npm start), or point --url / PORTWARDEN_URL at it',
      { cause },
    );
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  put<T>(path: string, body: string, contentType: string): Promise<T>;
  /** Sends `body` as JSON. `timeoutMs` for requests that wait on an agent. @default 30_000 */
  post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T>;
  /** Sends `body` as it is (a policy's YAML). */
  postText<T>(path: string, body: string, contentType: string): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

interface Send {
  (
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
  ): Promise<Sent>;
}

const sendFetch: Send = async (url, { timeoutMs, ...init }) => {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
};

/**
 * `token` goes in `Authorization: Bearer` on every request (auth.ts finds it). With `caFingerprint`
 * an https controller must present that certificate before the token is sent.
 */
export function createClient(baseUrl: string, token?: string, caFingerprint?: string): ApiClient {
  const send: Send =
    caFingerprint && new URL(baseUrl).protocol === 'https:'
      ? (url, init) => sendPinned(url, caFingerprint, init)
      : sendFetch;
  const request = async <T>(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
    timeoutMs = 30_000,
  ): Promise<T> => {
    const url = new URL(path, baseUrl);
    let response: Sent;
    try {
      response = await send(url, {
        method,
        ...(body !== undefined && { body }),
        headers: {
          ...(contentType && { 'content-type': contentType }),
          ...(token && { authorization: `Bearer ${token}` }),
        },
        timeoutMs,
      });
    } catch (err) {
      if (err instanceof PortwardenError) throw err;
      throw new UnreachableError(baseUrl, err);
    }
    const { status, text } = response;
    const parsed = parseJson(text);
    if (status < 200 || status > 299) throw toApiError(status, parsed, text);
    if (parsed === undefined)
      throw new ApiError(status, 'http', `expected JSON from ${url.toString()}, got: ${text.slice(0, 200)}`);
    return parsed as T;
  };
  return {
    get: (path) => request('GET', path),
    put: (path, body, contentType) => request('PUT', path, body, contentType),
    post: (path, body, timeoutMs) =>
      request('POST', path, JSON.stringify(body), 'application/json', timeoutMs),
    postText: (path, body, contentType) => request('POST', path, body, contentType),
    delete: (path) => request('DELETE', path),
  };
}

/** A proxy in front of the controller may answer HTML; that must not become a SyntaxError. */
function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, parsed: unknown, text: string): ApiError {
  const error = (
    parsed as
      { error?: { code?: string; message?: string; hint?: string; issues?: PolicyIssue[] } } | undefined
  )?.error;
  if (!error) return new ApiError(status, 'http', `HTTP ${status}: ${text.slice(0, 200)}`);
  return new ApiError(
    status,
    error.code ?? 'http',
    error.message ?? `HTTP ${status}`,
    error.hint,
    error.issues,
  );
}
