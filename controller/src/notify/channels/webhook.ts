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
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** POSTs the Alertmanager webhook message (version "4") as JSON, through `postJson`. */
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
    await postJson(config.url, buildAlertmanagerMessage(notification.event, context.externalUrl), {
      headers: config.headers,
      timeoutMs: config.timeoutMs,
    });
  },
};
