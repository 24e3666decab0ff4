import { parseDuration } from '@portwarden/common/duration';
import { webhookChannelSchema } from '@portwarden/common/policy/schema';
import { buildAlertmanagerMessage } from '../alertmanager.js';
import { BODY_START_BYTES, ChannelConfigError, classifyError, classifyStatus } from '../retry.js';
import type { Channel } from './channel.js';

export interface WebhookConfig {
  url: string;
  /** Extra request headers (for example Authorization). Their values are never logged. */
  headers: Record<string, string>;
  /** @default 10000 */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs the Alertmanager webhook message (version "4") as JSON. 2xx is success; see `../retry.js`
 * for what is retried. Redirects are not followed: fetch would turn a redirected POST into a GET
 * and drop the alert, so a 3xx is a final error that asks for the right URL. Errors name the
 * receiver by its origin only: paths and query strings often carry tokens.
 */
export const webhookChannel: Channel<WebhookConfig> = {
  kind: 'webhook',

  parseConfig(raw) {
    const parsed = webhookChannelSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ChannelConfigError(
        `invalid webhook channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`,
      );
    }
    const headers = parsed.data.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      try {
        new Headers([[name, value]]);
      } catch {
        // The Headers error quotes the value, which may be a secret: report the name only.
        throw new ChannelConfigError(
          `invalid webhook channel: header "${name}" has an invalid name or value`,
        );
      }
    }
    const timeout = parsed.data.timeout;
    const timeoutMs =
      timeout === undefined ? DEFAULT_WEBHOOK_TIMEOUT_MS : parseDuration(timeout, 'webhook timeout');
    return { url: parsed.data.url, headers, timeoutMs };
  },

  async send(notification, config, context) {
    const where = `POST ${new URL(config.url).origin}`;
    const body = JSON.stringify(buildAlertmanagerMessage(notification.event, context.externalUrl));
    let response: Response;
    try {
      response = await fetch(config.url, {
        method: 'POST',
        headers: { ...config.headers, 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const bodyStart = await readStart(response, response.ok ? 0 : BODY_START_BYTES);
      const failure = classifyStatus(response.status, bodyStart, where, response.headers.get('retry-after'));
      if (failure) throw failure;
    } catch (error) {
      throw classifyError(error, where, config.timeoutMs);
    }
  },
};

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
