import { parseDuration } from '@portwarden/common/duration';
import { slackChannelSchema } from '@portwarden/common/policy/schema';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { incidentFacts, type IncidentFacts } from './facts.js';
import { postJson } from './http.js';
import { memberEvents } from './members.js';
import { buildSlackMessage } from './slack-message.js';
import { createBatcher, DEFAULT_PACING, type BatcherClock, type PacingOptions } from './slack-pacing.js';

export interface SlackConfig {
  /** The incoming webhook's URL: a credential, never logged nor put in an error. */
  url: string;
  /** @default 10000 */
  timeoutMs: number;
}

export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;

export interface SlackChannelOptions {
  /** @default DEFAULT_PACING: one message a second per webhook, a 100 ms gather */
  pacing?: PacingOptions;
  clock?: BatcherClock;
}

interface Queued {
  /** One notification's incidents: one, or a group's members. */
  facts: IncidentFacts[];
  timeoutMs: number;
}

/**
 * POSTs Block Kit messages to a Slack incoming webhook, through `postJson`. Slack answers 200 `ok`;
 * 4xx such as `invalid_payload`, `no_service` (webhook removed) or `channel_is_archived` are final;
 * 429 and 5xx are retried, honouring Retry-After (`../retry.ts`). Notifications for one webhook are
 * paced (slack-pacing.ts): those that come together go out as one message, and each `send` settles
 * with the outcome of that message.
 */
export function createSlackChannel(options: SlackChannelOptions = {}): Channel<SlackConfig> {
  // Keyed by the webhook URL: alert groups that share a webhook share its pace.
  const batcher = createBatcher<Queued>(
    async (url, items) => {
      const message = buildSlackMessage(items.flatMap((item) => item.facts));
      await postJson(url, message, { timeoutMs: Math.max(...items.map((item) => item.timeoutMs)) });
    },
    options.pacing ?? DEFAULT_PACING,
    options.clock,
  );
  return {
    kind: 'slack',
    parseConfig: parseSlackConfig,
    send(notification, config, context) {
      const facts = memberEvents(notification.event).map((event) =>
        incidentFacts(event, context.externalUrl),
      );
      return batcher.add(config.url, { facts, timeoutMs: config.timeoutMs });
    },
  };
}

export function parseSlackConfig(raw: unknown): SlackConfig {
  const parsed = slackChannelSchema.safeParse(raw);
  if (!parsed.success) {
    // The issue's path and message only: the value is a credential.
    const issue = parsed.error.issues[0];
    throw new ChannelConfigError(`invalid slack channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`);
  }
  const { url, timeout } = parsed.data;
  if (/\$\{secret:/.test(url))
    throw new ChannelConfigError('invalid slack channel: url has an unresolved secret');
  const timeoutMs =
    timeout === undefined ? DEFAULT_SLACK_TIMEOUT_MS : parseDuration(timeout, 'slack timeout');
  return { url, timeoutMs };
}

/** The process's Slack channel, registered in `registry.ts`: one pace per webhook per process. */
export const slackChannel = createSlackChannel();
