import type { ChannelDocument } from '@portwarden/common/policy/schema';
import { channelKind } from '../keys.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel, Notification, SendContext } from './channel.js';
import { emailChannel } from './email.js';
import { logChannel } from './log.js';
import { slackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';
import { pagerdutyChannel } from './pagerduty.js';
import { alertmanagerChannel } from './alertmanager.js';

export type { Channel, Notification, SendContext } from './channel.js';

/** Every channel kind the controller can send to. A new kind is one file and one line here. */
export const BUILTIN_CHANNELS: readonly Channel[] = [
  webhookChannel,
  emailChannel,
  slackChannel,
  teamsChannel,
  pagerdutyChannel,
  alertmanagerChannel,
  logChannel,
];

/** A channel document bound to its implementation, its config parsed. */
export interface ResolvedChannel {
  readonly kind: string;
  send(notification: Notification, context: SendContext): Promise<void>;
}

export interface ChannelRegistry {
  readonly kinds: readonly string[];
  /** Throws `ChannelConfigError` for an unknown kind or an invalid config. */
  resolve(document: ChannelDocument): ResolvedChannel;
}

export function createChannelRegistry(channels: readonly Channel[] = BUILTIN_CHANNELS): ChannelRegistry {
  const byKind = new Map(channels.map((channel) => [channel.kind, channel]));
  return {
    kinds: [...byKind.keys()],
    resolve(document) {
      const kind = channelKind(document);
      const channel = byKind.get(kind);
      if (!channel) {
        throw new ChannelConfigError(
          `unknown channel kind "${kind}"; known: ${[...byKind.keys()].join(', ')}`,
        );
      }
      const config = channel.parseConfig((document as Record<string, unknown>)[kind]);
      return { kind, send: (notification, context) => channel.send(notification, config, context) };
    },
  };
}
