import type { Logger } from '@portwarden/common/logger';
import type { IncidentEvent } from '../../state/event.js';

/** One incident event on its way to one channel. */
export interface Notification {
  event: IncidentEvent;
  /** `group#index:kind`, see `channelKey`. */
  channelKey: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface SendContext {
  /** The notify component's logger; never log secrets such as header values. */
  logger: Logger;
  /** Base URL of the controller's web UI, for links in notifications. */
  externalUrl: string;
}

/**
 * One kind of channel. `parseConfig` validates the channel's policy document and fills in defaults
 * (throwing `ChannelConfigError`); `send` delivers or throws a `DeliveryError` from `../retry.js`.
 */
export interface Channel<Config = unknown> {
  readonly kind: string;
  parseConfig(raw: unknown): Config;
  send(notification: Notification, config: Config, context: SendContext): Promise<void>;
}
