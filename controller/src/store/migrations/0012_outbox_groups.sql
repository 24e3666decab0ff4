-- Grouping (state/grouping.ts): the firing event of an incident in a grouped alert group waits for
-- its group. group_key and group_due_at are set when it is booked; the group flush
-- (store/outbox-groups.ts) sets group_flushed_at, and group_outbox_id to the group's one
-- notification, in the transaction that writes that notification: a member is flushed once.
ALTER TABLE outbox
  ADD COLUMN group_key        text,
  ADD COLUMN group_due_at     timestamptz,
  ADD COLUMN group_flushed_at timestamptz,
  ADD COLUMN group_outbox_id  bigint REFERENCES outbox (id) ON DELETE SET NULL;
CREATE INDEX outbox_groups_pending ON outbox (group_due_at)
  WHERE group_key IS NOT NULL AND group_flushed_at IS NULL;
