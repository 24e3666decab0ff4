import { createHmac } from 'node:crypto';
import { parseDuration } from '@portwarden/common/duration';
import { webhookChannelSchema } from '@portwarden/common/policy/schema';
import { buildAlertmanagerMessage } from '../alertmanager.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { postJson } from './http.js';

export interface WebhookConfig {
  url: string;
  /** Extra request headers (for example Authorization). Their values are never logged. */
  headers: Record<string, string>;
  /** @default 10000 */
  timeoutMs: number;
  /** HMAC-SHA256 key; absent: requests are not signed. A credential: never logged. */
  signingSecret?: string;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export const SIGNATURE_HEADER = 'X-Portwarden-Signature';
export const TIMESTAMP_HEADER = 'X-Portwarden-Timestamp';

/**
 * The signature headers of one request: `X-Portwarden-Timestamp` (Unix seconds) and
 * `X-Portwarden-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the secret.
 * The timestamp is signed too, so a receiver that refuses old timestamps (say, older than 5
 * minutes) cannot be fed a captured request again later: a replay needs a fresh timestamp, and a
 * fresh timestamp needs the secret. `body` must be the exact text sent.
 */
export function signatureHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${digest}` };
}

/**
 * POSTs the Alertmanager webhook message (version "4") as JSON, through `postJson`, signed when the
 * channel has a `signingSecret`.
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
    const { signingSecret } = parsed.data;
    return {
      url: parsed.data.url,
      headers,
      timeoutMs,
      ...(signingSecret !== undefined && { signingSecret }),
    };
  },

  async send(notification, config, context) {
    await postJson(config.url, buildAlertmanagerMessage(notification.event, context.externalUrl), {
      headers: config.headers,
      timeoutMs: config.timeoutMs,
      ...(config.signingSecret !== undefined && {
        bodyHeaders: (body: string) => signatureHeaders(config.signingSecret!, body, Date.now()),
      }),
    });
  },
};
