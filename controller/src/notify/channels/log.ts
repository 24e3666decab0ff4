import { logChannelSchema } from '@portwarden/common/policy/schema';
import { alertAnnotations, fingerprint, alertLabels } from '../alertmanager.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel } from './channel.js';
import { eventHeadline } from '../../state/event.js';

/**
 * Writes each notification as one structured line in the controller's log: the quick start's
 * channel, and a trail that needs no receiver.
 */
export const logChannel: Channel<Record<string, never>> = {
  kind: 'log',

  parseConfig(raw) {
    const parsed = logChannelSchema.safeParse(raw ?? {});
    if (!parsed.success) throw new ChannelConfigError('invalid log channel: it takes no options');
    return {};
  },

  async send(notification, _config, context) {
    const { event } = notification;
    const labels = alertLabels(event);
    context.logger.info(
      {
        notification: {
          channel: notification.channelKey,
          status: event.event === 'resolved' ? 'resolved' : 'firing',
          event: event.event,
          outboxId: event.outboxId,
          incidentId: event.incidentId,
          alertGroup: event.alertGroup.id,
          check: event.check,
          agent: event.agent.name,
          reason: event.reason,
          detail: event.detail,
          ...(event.response && { response: alertAnnotations(event).response }),
          startsAt: event.startsAt,
          endsAt: event.endsAt,
          ...(event.probedAt && { probedAt: event.probedAt }),
          ...(event.notice && { notice: event.notice }),
          fingerprint: fingerprint(labels),
        },
      },
      `${eventHeadline(event)}: ${alertAnnotations(event).summary}`,
    );
  },
};
