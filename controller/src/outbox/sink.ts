import type { IncidentEvent } from '../state/event.js';

/**
 * Where the relay hands outbox events: the BullMQ queue (`notify/queue.ts`) or, without Redis, the
 * in-process notifier (`notify/inprocess.ts`). `enqueue` resolves once the event is durably
 * accepted and rejects when it is not (the relay then keeps the rows pending). Enqueuing the same
 * event twice must be harmless: sinks dedup on the outbox id.
 */
export interface OutboxSink {
  /**
   * For each event, one delivery per channel, `channelCount` of them (channel index 0 to count -
   * 1). All the events of a relay pass come at once, so that a queue takes them in one round trip.
   */
  enqueue(events: readonly RoutedEvent[]): Promise<void>;
}

/** An outbox event and how many channels its alert group has in the event's policy revision. */
export interface RoutedEvent {
  event: IncidentEvent;
  channelCount: number;
}
