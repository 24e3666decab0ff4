import { logChannelSchema } from '@portwarden/common/policy/schema';
import { alertAnnotations, fingerprint, alertLabels } from '../alertmanager.js';
import { ChannelConfigError } from '../retry.js';
import type { Channel, Notification, SendContext } from './channel.js';
import { memberEvents } from './members.js';
import { eventHeadline, type IncidentEvent } from '../../state/event.js';

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
    // A group's notification: one line per member, each naming the group.
    for (const event of memberEvents(notification.event)) logEvent(notification, event, context);
  },
};

function logEvent(notification: Notification, event: IncidentEvent, context: SendContext): void {
  const grouping = notification.event.members && notification.event.grouping;
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
        ...(grouping && { group: grouping.key }),
        fingerprint: fingerprint(labels),
      },
    },
    `${eventHeadline(event)}: ${alertAnnotations(event).summary}`,
  );
}
