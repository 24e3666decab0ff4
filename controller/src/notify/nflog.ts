/**
 * The notification log: one row per outbox event and channel. A row whose status is final
 * (anything but `retrying`) is the dedup record: it means "do not send again". A `retrying` row
 * shows progress (attempts so far, the last error) and is replaced by the next write.
 */

/** Recorded without being sent: by a silence, an inhibition, grouping, or a flapping check. */
export const HOLD_STATUSES = ['held', 'inhibited', 'grouped', 'flapping'] as const;

export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** Every status a row can have (migration 0007); `retrying` is the only one that is not final. */
export const NOTIFICATION_STATUSES = ['sent', 'retrying', 'failed', ...HOLD_STATUSES] as const;

export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * A delivery as listed (`get notifications`): a row's status, or `pending` while the log has no
 * row for it yet (not relayed, or its job not run).
 */
export const DELIVERY_STATUSES = [...NOTIFICATION_STATUSES, 'pending'] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

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
  /**
   * Writes the record, replacing a `retrying` row but never a final one; false when a final row
   * was there first (another delivery recorded it). Attempts add up over a `retrying` row.
   */
  record(entry: NotificationRecord): Promise<boolean>;
}

/** Whether a status ends the delivery: everything but `retrying`. */
export function isFinal(status: NotificationStatus): boolean {
  return status !== 'retrying';
}
