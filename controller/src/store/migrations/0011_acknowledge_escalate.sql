-- An incident's acknowledgement: who (the API token's name), when, and why. It lasts until the
-- incident resolves; the next incident of the same check starts unacknowledged.
ALTER TABLE incidents
  ADD COLUMN acked_at    timestamptz,
  ADD COLUMN acked_by    text,
  ADD COLUMN ack_comment text;

-- Each escalation step of an incident, written once (the primary key) with the outbox event that
-- told the group `alert_group`; the incident's resolve goes to these groups too.
CREATE TABLE incident_escalations (
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  step         integer NOT NULL,
  alert_group  text NOT NULL,
  group_name   text NOT NULL,
  escalated_at timestamptz NOT NULL,
  PRIMARY KEY (incident_id, step)
);
