import { BODY_START_BYTES, classifyError, classifyStatus } from '../retry.js';

export interface PostOptions {
  /** Extra request headers (for example Authorization). Their values are never logged. */
  headers?: Record<string, string>;
  /**
   * Headers computed from the exact serialized body that is sent, for example a signature over it.
   * Their values are never logged.
   */
  bodyHeaders?: (body: string) => Record<string, string>;
  timeoutMs: number;
}

/**
 * POSTs `body` as JSON for every HTTP channel. 2xx is success; anything else becomes the
 * `DeliveryError` that `../retry.ts` classifies (what is retried, `Retry-After`). Redirects are
 * not followed: fetch would turn a redirected POST into a GET and drop the alert, so a 3xx is a
 * final error that asks for the right URL. Errors name the receiver by its origin only: paths and
 * query strings often carry tokens. Returns the response's first bytes, for receivers that answer
 * with something to read (a 2xx body is read up to `readOk` bytes, default none).
 */
export async function postJson(
  url: string,
  body: unknown,
  options: PostOptions & { readOk?: number },
): Promise<string> {
  const where = `POST ${new URL(url).origin}`;
  try {
    const text = JSON.stringify(body);
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...options.headers, ...options.bodyHeaders?.(text), 'content-type': 'application/json' },
      body: text,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const start = await readStart(response, response.ok ? (options.readOk ?? 0) : BODY_START_BYTES);
    const failure = classifyStatus(response.status, start, where, response.headers.get('retry-after'));
    if (failure) throw failure;
    return start;
  } catch (error) {
    throw classifyError(error, where, options.timeoutMs);
  }
}

/** The first `limit` bytes of the body as text; the rest is not read (the stream is cancelled). */
async function readStart(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // A multi-byte character cut at the limit decodes as U+FFFD; drop it.
  return bytes.toString('utf8').replace(/\uFFFD$/, '');
}
