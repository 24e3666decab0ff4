import type { IncidentEvent } from '../state/event.js';

/**
 * Where the relay hands outbox events: the BullMQ queue (`notify/queue.ts`) or, without Redis, the
 * in-process notifier (`notify/inprocess.ts`). `enqueue` resolves once the event is durably
 * accepted and rejects when it is not (the relay then keeps the row pending). Enqueuing the same
 * event twice must be harmless: sinks dedup on the outbox id.
 */
export interface OutboxSink {
  /** One delivery per channel, `channelCount` of them (channel index 0 to count - 1). */
  enqueue(event: IncidentEvent, channelCount: number): Promise<void>;
}
