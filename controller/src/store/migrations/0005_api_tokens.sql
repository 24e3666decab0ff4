-- Portwarden schema, version 5: API tokens with roles, and the audit of what they did (issue 9).

-- A bearer token for the HTTP API. Only the SHA-256 of the token is kept: it is shown once, at
-- creation. Revoked tokens stay, so that the audit's names keep meaning something.
CREATE TABLE api_tokens (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  hash          bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- The audit names the actor by its token's name: one live token per name.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

-- One row per admin or operator action: who (token name and role), what, on what, from where.
CREATE TABLE audit (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  role    text NOT NULL,
  action  text NOT NULL,
  target  text NOT NULL DEFAULT '',
  source  text NOT NULL DEFAULT '',
  detail  jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_at ON audit (at DESC, id DESC);
