-- Run-time overrides of the policy (`portwarden disable CHECK [--agent NAME]`): the Ports tab's
-- tick box without editing the policy. A row disables a check on one agent (agent_name), or on
-- every agent (agent_name NULL); `portwarden enable` deletes it. Keyed by names, not row ids, so
-- that an override outlives the agent's row and a check leaving and coming back to the policy.
CREATE TABLE check_overrides (
  id          bigserial PRIMARY KEY,
  check_id    text NOT NULL,
  agent_name  text,
  disabled_by text NOT NULL,
  disabled_at timestamptz NOT NULL,
  comment     text,
  -- One override per (check, agent), and one for all agents: disabling again changes nothing.
  UNIQUE NULLS NOT DISTINCT (check_id, agent_name)
);
