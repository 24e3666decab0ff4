-- Noise control in the state stage (state/): the recovery threshold and flap detection per check,
-- and per incident what receivers were told (inhibition and flapping hold events back).

-- Consecutive successes, for successesBeforeResolve; the times of the latest state changes
-- (incident opened or resolved, within the flapping window) and since when the check is flapping.
ALTER TABLE check_state
  ADD COLUMN consecutive_successes integer NOT NULL DEFAULT 0,
  ADD COLUMN flap_changes timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN flapping_since timestamptz;

-- firing_told: receivers were told the incident fired (false: held by inhibition or flapping), so
-- its resolve is told too. resolve_owed: it resolved while its check was flapping, and its resolve
-- is told once the check is stable. Incidents before this migration were all told.
ALTER TABLE incidents
  ADD COLUMN firing_told boolean NOT NULL DEFAULT true,
  ADD COLUMN resolve_owed boolean NOT NULL DEFAULT false;

-- The latest told incident of a check, and an agent's "agent unreachable" spans.
CREATE INDEX incidents_agent_check ON incidents (agent_id, check_id, id DESC);
