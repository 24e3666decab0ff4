-- Portwarden schema, version 1: agents, policy revisions, results, check state, incidents,
-- the notification outbox and the notification log.

CREATE TABLE agents (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  labels          jsonb NOT NULL DEFAULT '{}',
  os              text NOT NULL DEFAULT '',
  hostname        text NOT NULL DEFAULT '',
  agent_version   text NOT NULL DEFAULT '',
  -- The policy revision the agent last said it runs (hello or config ack).
  config_revision bigint NOT NULL DEFAULT 0,
  config_error    text,
  connected       boolean NOT NULL DEFAULT false,
  last_seen_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE policy_revisions (
  revision   bigserial PRIMARY KEY,
  source     text NOT NULL,
  resolved   jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- (agent_id, seq) is the idempotency key: a replayed batch inserts nothing twice.
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
  PRIMARY KEY (agent_id, seq)
);
CREATE INDEX results_check_started ON results (agent_id, check_id, started_at DESC);

CREATE TABLE incidents (
  id          bigserial PRIMARY KEY,
  agent_id    bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  check_id    text NOT NULL,
  check_name  text NOT NULL,
  alert_group text NOT NULL,
  reason      text NOT NULL,
  detail      text NOT NULL,
  opened_at   timestamptz NOT NULL,
  resolved_at timestamptz
);
-- One incident opens once: never two open for the same agent and check.
CREATE UNIQUE INDEX incidents_one_open ON incidents (agent_id, check_id) WHERE resolved_at IS NULL;

CREATE TABLE check_state (
  agent_id             bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  check_id             text NOT NULL,
  outcome              text NOT NULL CHECK (outcome IN ('up', 'down')),
  consecutive_failures integer NOT NULL,
  since                timestamptz NOT NULL,
  last_seq             bigint NOT NULL,
  last_result_at       timestamptz NOT NULL,
  reason               text NOT NULL DEFAULT '',
  detail               text NOT NULL DEFAULT '',
  incident_id          bigint REFERENCES incidents (id),
  PRIMARY KEY (agent_id, check_id)
);

-- Written in the same transaction as the state change; the relay moves rows to the queue.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  event       text NOT NULL CHECK (event IN ('opened', 'resolved')),
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  relayed_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE relayed_at IS NULL;

-- One row per delivery of one outbox event to one channel: the dedup record.
CREATE TABLE notifications (
  id          bigserial PRIMARY KEY,
  outbox_id   bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  channel_key text NOT NULL,
  status      text NOT NULL CHECK (status IN ('sent', 'failed')),
  attempts    integer NOT NULL,
  error       text,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (outbox_id, channel_key)
);
