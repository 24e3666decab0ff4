import type { ChannelDocument } from '@portwarden/common/policy/schema';

/**
 * Idempotency keys, derived and never random, so that every retry, replica and re-enqueue of the
 * same notification lands on the same key.
 */

/**
 * The BullMQ job id of one outbox event for one channel of its alert group, e.g. `ob42-c0`.
 * BullMQ ignores an add whose job id exists; custom ids must not be integers nor contain ':'.
 */
export function deliveryJobId(outboxId: number, channelIndex: number): string {
  return `ob${outboxId}-c${channelIndex}`;
}

/**
 * The channel's key in the notification log, e.g. `critical#0:webhook`: the alert group, the
 * channel's position in it and its kind. With the outbox id it is the dedup record's identity.
 */
export function channelKey(alertGroupId: string, channelIndex: number, kind: string): string {
  return `${alertGroupId}#${channelIndex}:${kind}`;
}

/** `{ webhook: {...} }` -> `webhook`: a channel document has exactly one key, its kind. */
export function channelKind(document: ChannelDocument): string {
  return Object.keys(document)[0] ?? 'unknown';
}
