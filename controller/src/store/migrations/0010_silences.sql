-- Silences (silence/, api/silence-routes.ts): while one covers an incident event, its notifications
-- are recorded as `held` and not sent. `matchers` is [{name, op, value}] (common/src/matchers.ts).
-- A silence ends at ends_at, or earlier when expired by hand (expired_at).
CREATE TABLE silences (
  id         bigserial PRIMARY KEY,
  matchers   jsonb NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
  comment    text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expired_at timestamptz
);
CREATE INDEX silences_ends_at ON silences (ends_at);
