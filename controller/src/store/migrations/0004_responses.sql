-- Portwarden schema, version 4: firewall checks and automatic responses (issue 4).

-- A firewall check's result carries the state of each profile and how it was read.
ALTER TABLE results ADD COLUMN firewall jsonb;

-- What the agent tried before the incident opened, and how it ended; NULL when nothing was tried.
ALTER TABLE incidents ADD COLUMN response jsonb;

-- One row per response round an agent reported: the check reached its threshold, the agent ran
-- the responses it allows, probed again at once, and reported the verification. Keyed by the
-- result that ended the round, so a replayed batch records nothing twice.
CREATE TABLE responses (
  id          bigserial PRIMARY KEY,
  agent_id    bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  seq         bigint NOT NULL,
  check_id    text NOT NULL,
  check_name  text NOT NULL,
  started_at  timestamptz NOT NULL,
  verdict     text NOT NULL
    CHECK (verdict IN ('recovered', 'failed', 'denied', 'suppressed', 'rebooting', 'none')),
  -- The result that reached the threshold, before anything ran: {outcome, reason, detail, durationMs}.
  trigger     jsonb NOT NULL,
  -- Each response in the order it ran: kind, target, status, detail, verification, commands.
  attempts    jsonb NOT NULL,
  -- The result the round reported (the verification, or the trigger when nothing ran).
  outcome     text NOT NULL CHECK (outcome IN ('up', 'down')),
  reason      text NOT NULL DEFAULT '',
  detail      text NOT NULL DEFAULT '',
  -- The incident this round opened, when it did.
  incident_id bigint REFERENCES incidents (id) ON DELETE SET NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (agent_id, seq)
);
CREATE INDEX responses_check ON responses (agent_id, check_id, id DESC);
