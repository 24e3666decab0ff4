import type { Logger } from '@portwarden/common/logger';
import type { Sql } from './store/db.js';

export interface NotificationsOptions {
  sql: Sql;
  logger: Logger;
  redisUrl?: string;
  redisPrefix?: string;
  pollMs?: number;
}

export interface Notifications {
  wake(): void;
  stop(): Promise<void>;
}

/** Outbox relay plus delivery: through BullMQ on Redis when a URL is given, in-process otherwise. */
export async function startNotifications(_options: NotificationsOptions): Promise<Notifications> {
  // Wired to outbox/relay.ts and notify/ once they land.
  return { wake() {}, async stop() {} };
}
