-- Portwarden schema, version 14: results partitioned by UTC day (issue 13, retention).
--
-- `results` becomes PARTITION BY RANGE (started_at), one partition per UTC day named
-- results_pYYYYMMDD, plus results_default for a started_at outside the days created (an agent's
-- clock far off). Retention (controller/src/retention/) creates days ahead and drops whole days
-- past --results-retention, instead of DELETEs that bloat the table at 50 M rows.
--
-- The primary key must contain the partition key, so it becomes (agent_id, seq, started_at):
-- started_at is the probe's time, written by the agent into its spool with the result, so a
-- replayed result carries the same one, lands in the same partition and still conflicts there.
-- Nothing references results by foreign key (responses has its own UNIQUE (agent_id, seq)), so
-- the old table is renamed, copied and dropped.

ALTER TABLE results RENAME TO results_0013;
ALTER TABLE results_0013 RENAME CONSTRAINT results_pkey TO results_0013_pkey;
ALTER TABLE results_0013 RENAME CONSTRAINT results_outcome_check TO results_0013_outcome_check;
ALTER TABLE results_0013 RENAME CONSTRAINT results_agent_id_fkey TO results_0013_agent_id_fkey;
ALTER INDEX results_check_started RENAME TO results_0013_check_started;

CREATE TABLE results (
  agent_id    bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  seq         bigint NOT NULL,
  check_id    text NOT NULL,
  started_at  timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('up', 'down')),
  reason      text NOT NULL DEFAULT '',
  detail      text NOT NULL DEFAULT '',
  timings     jsonb,
  received_at timestamptz NOT NULL DEFAULT now(),
  transcript  jsonb,
  firewall    jsonb,
  PRIMARY KEY (agent_id, seq, started_at)
) PARTITION BY RANGE (started_at);
-- A check's history on one agent (the check page with ?agent=, the agents page's last result).
CREATE INDEX results_check_started ON results (agent_id, check_id, started_at DESC);
-- A check's history on every agent, newest first (the check page): without it, that query reads
-- every result of the day's partition (1.7 M rows at 1,000 agents × 20 checks) to find one check's.
CREATE INDEX results_check_history ON results (check_id, started_at DESC);
CREATE TABLE results_default PARTITION OF results DEFAULT;

-- A partition for today and the 7 days ahead, and for each day the old table holds rows for within
-- 400 days before today (the longest retention worth a partition per day here; older or
-- further ahead rows go to results_default, which retention empties or moves out later).
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
BEGIN
  FOR day IN
    SELECT today + n FROM generate_series(0, 7) AS n
    UNION
    SELECT DISTINCT (started_at AT TIME ZONE 'UTC')::date FROM results_0013
    WHERE started_at >= (today - 400)::timestamp AT TIME ZONE 'UTC'
      AND started_at < (today + 8)::timestamp AT TIME ZONE 'UTC'
    ORDER BY 1
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF results FOR VALUES FROM (%L) TO (%L)',
      'results_p' || to_char(day, 'YYYYMMDD'),
      to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
  END LOOP;
END $$;

INSERT INTO results (agent_id, seq, check_id, started_at, duration_ms, outcome, reason, detail, timings,
                     received_at, transcript, firewall)
SELECT agent_id, seq, check_id, started_at, duration_ms, outcome, reason, detail, timings,
       received_at, transcript, firewall
FROM results_0013;

DROP TABLE results_0013;
