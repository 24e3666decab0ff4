import { parseDuration } from '@portwarden/common/duration';
import { teamsChannelSchema } from '@portwarden/common/policy/schema';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { incidentFacts } from './facts.js';
import { postJson } from './http.js';
import { memberEvents } from './members.js';
import { buildTeamsGroupMessage, buildTeamsMessage } from './teams-message.js';

export interface TeamsConfig {
  /** The workflow's URL; its `sig=` is a credential, so it is never logged nor put in an error. */
  url: string;
  /** @default 10000 */
  timeoutMs: number;
}

export const DEFAULT_TEAMS_TIMEOUT_MS = 10_000;

/**
 * POSTs an Adaptive Card to a Microsoft Teams Workflows webhook ("When a Teams webhook request is
 * received"), through `postJson`. The retired Office 365 connectors (MessageCard) are not supported.
 * Workflows answers 202 Accepted when it took the request: success, although the flow posts the card
 * later and its own failures show only in the flow's run history. 401/403/404 (wrong or deleted
 * flow, bad `sig`) are final; 429 and 5xx are retried (`../retry.ts`).
 */
export const teamsChannel: Channel<TeamsConfig> = {
  kind: 'teams',

  parseConfig(raw) {
    const parsed = teamsChannelSchema.safeParse(raw);
    if (!parsed.success) {
      // The issue's path and message only: the value is a credential.
      const issue = parsed.error.issues[0];
      throw new ChannelConfigError(`invalid teams channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`);
    }
    const { url, timeout } = parsed.data;
    if (/\$\{secret:/.test(url))
      throw new ChannelConfigError('invalid teams channel: url has an unresolved secret');
    const timeoutMs =
      timeout === undefined ? DEFAULT_TEAMS_TIMEOUT_MS : parseDuration(timeout, 'teams timeout');
    return { url, timeoutMs };
  },

  async send(notification, config, context) {
    const [first, ...more] = memberEvents(notification.event).map((event) =>
      incidentFacts(event, context.externalUrl),
    );
    const message = more.length > 0 ? buildTeamsGroupMessage([first!, ...more]) : buildTeamsMessage(first!);
    await postJson(config.url, message, { timeoutMs: config.timeoutMs });
  },
};
