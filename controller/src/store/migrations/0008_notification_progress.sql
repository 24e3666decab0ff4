-- The notification log shows progress (notify/nflog.ts): a `retrying` row is updated at each failed
-- attempt and replaced by the final outcome. `sent_at` always meant "first recorded" (a failed or
-- held row has one too): it is renamed for what it is, and `updated_at` says when the row last
-- changed.
ALTER TABLE notifications RENAME COLUMN sent_at TO created_at;
ALTER TABLE notifications ADD COLUMN updated_at timestamptz;
UPDATE notifications SET updated_at = created_at;
ALTER TABLE notifications ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE notifications ALTER COLUMN updated_at SET DEFAULT now();
-- `get notifications --status failed` and the reconciler look rows up by status.
CREATE INDEX notifications_status ON notifications (status, updated_at DESC);
-- The reconciler reads the outbox rows relayed in the last days.
CREATE INDEX outbox_relayed ON outbox (relayed_at) WHERE relayed_at IS NOT NULL;
