/**
 * The notification log: one row per outbox event and channel, written once the delivery is final
 * (sent, or failed for good). It is the dedup record: a row means "do not send again".
 */
export interface NotificationRecord {
  outboxId: number;
  channelKey: string;
  status: 'sent' | 'failed';
  attempts: number;
  /** Why it failed; absent when sent. */
  error?: string;
}

/** What the pipeline needs from storage; `createPgNotificationLog` is the PostgreSQL one. */
export interface NotificationLog {
  find(outboxId: number, channelKey: string): Promise<NotificationRecord | undefined>;
  /** Writes the record unless one exists; false when another delivery recorded first. */
  record(entry: NotificationRecord): Promise<boolean>;
}
