import type { Logger } from '@portwarden/common/logger';
import type { ChannelDocument } from '@portwarden/common/policy/schema';
import type { IncidentEvent } from '../state/event.js';
import type { SendContext } from './channels/channel.js';
import { createChannelRegistry, type ChannelRegistry } from './channels/registry.js';
import { channelKey, channelKind } from './keys.js';
import { isFinal, type HoldStatus, type NotificationLog, type NotificationRecord } from './nflog.js';
import type { ChannelRoutes } from './routes.js';
import { ChannelConfigError, classifyError, shouldRetry, type DeliveryError } from './retry.js';
import { resolveChannelSecrets, type SecretResolver } from './secrets.js';

/**
 * The notification pipeline for one attempt at one (event, channel):
 *
 *   gates (dedup against the notification log, the event's own hold, silences, ...) -> send -> record
 *
 * A gate ends a delivery before sending: `skip` with a named reason records nothing (dedup), `hold`
 * records the notification with that status and sends nothing (an inhibited incident, a silence). Send turns whatever the channel throws into a
 * classified `DeliveryError`. Record writes the outcome to the notification log: sent, failed for
 * good, or `retrying` with the attempts so far and the last error (the transport, BullMQ or
 * in-process, tries again later with `retryDelay`); a final row replaces a `retrying` one.
 */

/** What a transport asks for: one attempt of one event on one channel of its alert group. */
export interface DeliveryRequest {
  event: IncidentEvent;
  channelIndex: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** The attempt budget; the last attempt records a failure instead of asking for a retry. */
  maxAttempts: number;
}

/** A request with its channel looked up and its key derived. */
export interface Delivery extends DeliveryRequest {
  /** Undefined when the event's revision has no such channel for its group (a corrupt payload). */
  channel: ChannelDocument | undefined;
  kind: string;
  channelKey: string;
}

export type SkipReason = 'already-sent' | 'already-failed' | 'already-held';

export type DeliveryOutcome =
  | { status: 'skipped'; channelKey: string; reason: SkipReason }
  | { status: 'held'; channelKey: string; hold: HoldStatus }
  | { status: 'sent'; channelKey: string; attempts: number }
  | { status: 'failed'; channelKey: string; attempts: number; error: DeliveryError }
  | { status: 'retry'; channelKey: string; attempts: number; error: DeliveryError };

export type Deliver = (request: DeliveryRequest) => Promise<DeliveryOutcome>;

/** How a gate ends a delivery. */
export type GateVerdict = { skip: SkipReason } | { hold: HoldStatus; note?: string };

/** A stage that may end a delivery before sending; undefined lets it pass. */
export interface Gate {
  readonly name: string;
  check(delivery: Delivery): Promise<GateVerdict | undefined>;
}

export interface DeliverOptions {
  log: NotificationLog;
  /** Where each event's channels are read, at the moment of sending. */
  routes: ChannelRoutes;
  /** Base URL of the controller's web UI: `externalURL` and `generatorURL` in webhooks. */
  externalUrl: string;
  logger: Logger;
  /** @default createChannelRegistry() (every builtin kind) */
  channels?: ChannelRegistry;
  /** Run in order before sending. @default [dedupGate(log), eventHoldGate] */
  gates?: readonly Gate[];
  /** Opens `${secret:NAME}` references at the moment of sending. @default none: a reference fails */
  secrets?: SecretResolver;
}

const NO_SECRETS: SecretResolver = { open: async () => undefined };

export function createDeliver(options: DeliverOptions): Deliver {
  const logger = options.logger.child({ component: 'notify' });
  const channels = options.channels ?? createChannelRegistry();
  const gates = options.gates ?? [dedupGate(options.log), eventHoldGate];
  const context: SendContext = { logger, externalUrl: options.externalUrl };
  return async (request) => {
    const delivery = await describe(request, options.routes);
    for (const gate of gates) {
      const verdict = await gate.check(delivery);
      if (verdict) return report(logger, delivery, await endAtGate(options.log, delivery, verdict));
    }
    const outcome = await send(delivery, channels, context, options.secrets ?? NO_SECRETS);
    await record(options.log, delivery, outcome, logger);
    return report(logger, delivery, outcome);
  };
}

/** Dedup: a final outcome already in the log for this (outbox event, channel) ends the delivery. */
export function dedupGate(log: NotificationLog): Gate {
  return {
    name: 'dedup',
    check: async (delivery) => {
      const reason = decideDedup(await log.find(delivery.event.outboxId, delivery.channelKey));
      return reason && { skip: reason };
    },
  };
}

/** The dedup decision, pure: any final status means "never again"; `retrying` lets it go on. */
export function decideDedup(prior: NotificationRecord | undefined): SkipReason | undefined {
  if (!prior || !isFinal(prior.status)) return undefined;
  if (prior.status === 'sent') return 'already-sent';
  return prior.status === 'failed' ? 'already-failed' : 'already-held';
}

/** The state stage decided the event is recorded, not sent (`IncidentEvent.hold`). */
export const eventHoldGate: Gate = {
  name: 'event-hold',
  check: async ({ event }) =>
    event.hold && {
      hold: event.hold,
      // Where a grouped member went: its group's notification (state/grouping.ts).
      ...(event.hold === 'grouped' &&
        event.grouping && { note: `told with its group ${event.grouping.key}` }),
    },
};

/** A gate's verdict as an outcome; a hold is recorded like a final outcome. */
async function endAtGate(
  log: NotificationLog,
  delivery: Delivery,
  verdict: GateVerdict,
): Promise<DeliveryOutcome> {
  const { channelKey: key } = delivery;
  if ('skip' in verdict) return { status: 'skipped', channelKey: key, reason: verdict.skip };
  await log.record({
    outboxId: delivery.event.outboxId,
    channelKey: key,
    status: verdict.hold,
    attempts: 0,
    ...(verdict.note && { error: verdict.note }),
  });
  return { status: 'held', channelKey: key, hold: verdict.hold };
}

async function describe(request: DeliveryRequest, routes: ChannelRoutes): Promise<Delivery> {
  const { event } = request;
  const channel = (await routes.channels(event.policyRevision, event.alertGroup.id))[request.channelIndex];
  const kind = channel ? channelKind(channel) : 'missing';
  const key = channelKey(request.event.alertGroup.id, request.channelIndex, kind);
  return { ...request, channel, kind, channelKey: key };
}

async function send(
  delivery: Delivery,
  channels: ChannelRegistry,
  context: SendContext,
  secrets: SecretResolver,
): Promise<DeliveryOutcome> {
  const { channelKey: key, attempt } = delivery;
  try {
    if (!delivery.channel) {
      throw new ChannelConfigError(
        `alert group "${delivery.event.alertGroup.id}" of policy revision ${delivery.event.policyRevision} has no channel #${delivery.channelIndex}`,
      );
    }
    // The opened values live in this call only: never in the delivery, the log or an error.
    const channel = await resolveChannelSecrets(delivery.channel, secrets);
    await channels.resolve(channel).send({ event: delivery.event, channelKey: key, attempt }, context);
    return { status: 'sent', channelKey: key, attempts: attempt };
  } catch (thrown) {
    const error = classifyError(thrown, delivery.kind);
    const status = shouldRetry(error, attempt, delivery.maxAttempts) ? 'retry' : 'failed';
    return { status, channelKey: key, attempts: attempt, error };
  }
}

async function record(log: NotificationLog, delivery: Delivery, outcome: DeliveryOutcome, logger: Logger) {
  if (outcome.status === 'skipped' || outcome.status === 'held') return;
  const recorded = await log.record({
    outboxId: delivery.event.outboxId,
    channelKey: outcome.channelKey,
    status: outcome.status === 'retry' ? 'retrying' : outcome.status,
    attempts: outcome.attempts,
    ...(outcome.status === 'failed' && { error: failureText(outcome.error, outcome.attempts) }),
    // The classified message only: it names the receiver by origin, never a URL or a header.
    ...(outcome.status === 'retry' && { error: outcome.error.message }),
  });
  if (!recorded && outcome.status !== 'retry')
    logger.warn(fields(delivery), 'notification was already recorded by another delivery');
}

/** The row's error: what went wrong, and why it is final. */
function failureText(error: DeliveryError, attempts: number): string {
  const why = error.retryable ? `gave up after ${attempts} attempts` : 'not retryable';
  return `${error.message} (${why})`;
}

function report(logger: Logger, delivery: Delivery, outcome: DeliveryOutcome): DeliveryOutcome {
  const at = fields(delivery);
  switch (outcome.status) {
    case 'sent':
      logger.info(at, 'notification sent');
      break;
    case 'skipped':
      logger.info({ ...at, reason: outcome.reason }, 'notification skipped');
      break;
    case 'held':
      logger.info({ ...at, hold: outcome.hold }, 'notification held back');
      break;
    case 'retry':
      logger.warn({ ...at, err: outcome.error }, 'notification attempt failed; it will be retried');
      break;
    case 'failed':
      logger.error({ ...at, err: outcome.error }, 'notification failed for good');
      break;
  }
  return outcome;
}

function fields(delivery: Delivery) {
  return {
    outboxId: delivery.event.outboxId,
    incidentId: delivery.event.incidentId,
    event: delivery.event.event,
    channel: delivery.channelKey,
    attempt: delivery.attempt,
  };
}
