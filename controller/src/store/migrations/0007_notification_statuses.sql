-- Every status a delivery can have (notify/nflog.ts NotificationStatus): besides sent and failed,
-- retrying (not final), and held back by a silence, an inhibition, grouping or flapping.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
  CHECK (status IN ('sent', 'retrying', 'failed', 'held', 'inhibited', 'grouped', 'flapping'));
