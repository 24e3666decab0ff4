/**
 * The notification log: one row per outbox event and channel. A row whose status is final
 * (anything but `retrying`) is the dedup record: it means "do not send again".
 */

/** Recorded without being sent: by a silence, an inhibition, grouping, or a flapping check. */
export type HoldStatus = 'held' | 'inhibited' | 'grouped' | 'flapping';

/** Every status a delivery can have; `retrying` is the only one that is not final. */
export type NotificationStatus = 'sent' | 'retrying' | 'failed' | HoldStatus;

export interface NotificationRecord {
  outboxId: number;
  channelKey: string;
  status: NotificationStatus;
  attempts: number;
  /** Why it failed (or the last error while retrying), or why it was held; absent when sent. */
  error?: string;
}

/** What the pipeline needs from storage; `createPgNotificationLog` is the PostgreSQL one. */
export interface NotificationLog {
  find(outboxId: number, channelKey: string): Promise<NotificationRecord | undefined>;
  /** Writes the record unless one exists; false when another delivery recorded first. */
  record(entry: NotificationRecord): Promise<boolean>;
}

/** Whether a status ends the delivery: everything but `retrying`. */
export function isFinal(status: NotificationStatus): boolean {
  return status !== 'retrying';
}
